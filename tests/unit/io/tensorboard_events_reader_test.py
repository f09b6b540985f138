#!/usr/bin/python3
"""Reads Tandem's TensorBoard event files with an independent reader.

The framing is parsed here (uint64 length, masked CRC32C of the length, data, masked CRC32C of the
data) and both CRCs are checked with python3-crc32c; each record is decoded with Python protobuf
classes compiled from tensorboard_event.proto (TensorBoard's field numbers, written apart from
Tandem's schemas). The files come from write_tensorboard_events: the summary API (scalars, a
histogram, images, text) and the TensorBoard callback over a short fit.

usage: tensorboard_events_reader_test.py WRITER PROTOC PROTO
"""

import json
import math
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

import crc32c

WRITER, PROTOC, PROTO = sys.argv[1:4]
MASK_DELTA = 0xA282EAD8


def masked_crc(data):
    crc = crc32c.crc32c(data)
    return (((crc >> 15) | (crc << 17)) + MASK_DELTA) & 0xFFFFFFFF


def read_records(path):
    """The records of a TFRecord file, checking the framing of each."""
    with open(path, "rb") as f:
        blob = f.read()
    records, at = [], 0
    while at < len(blob):
        if len(blob) - at < 12:
            raise AssertionError("%s: truncated header at offset %d" % (path, at))
        (length,) = struct.unpack("<Q", blob[at:at + 8])
        (length_crc,) = struct.unpack("<I", blob[at + 8:at + 12])
        if length_crc != masked_crc(blob[at:at + 8]):
            raise AssertionError("%s: bad length CRC at offset %d" % (path, at))
        data = blob[at + 12:at + 12 + length]
        (data_crc,) = struct.unpack("<I", blob[at + 12 + length:at + 16 + length])
        if len(data) != length or data_crc != masked_crc(data):
            raise AssertionError("%s: bad data CRC at offset %d" % (path, at))
        records.append(data)
        at += 16 + length
    return records


class EventFiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="tandem_tensorboard_")
        proto_dir = os.path.dirname(os.path.abspath(PROTO))
        subprocess.run([PROTOC, "--proto_path=" + proto_dir, "--python_out=" + cls.tmp.name,
                        os.path.abspath(PROTO)], check=True)
        sys.path.insert(0, cls.tmp.name)
        import tensorboard_event_pb2  # noqa: E402 (compiled just above)
        cls.pb = tensorboard_event_pb2
        cls.out = os.path.join(cls.tmp.name, "logs")
        subprocess.run([WRITER, cls.out], check=True)
        with open(os.path.join(cls.out, "expected.json")) as f:
            cls.expected = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def events(self, folder):
        """The Event protos of the single event file in `folder`, checking its name and header."""
        names = [n for n in os.listdir(folder) if "tfevents" in n]
        self.assertEqual(len(names), 1, names)
        host = re.escape(socket.gethostname())
        self.assertRegex(names[0], r"^events\.out\.tfevents\.\d{10}\." + host + "$")
        events = []
        for record in read_records(os.path.join(folder, names[0])):
            event = self.pb.Event()
            event.ParseFromString(record)
            events.append(event)
        self.assertEqual(events[0].WhichOneof("what"), "file_version")
        self.assertEqual(events[0].file_version, "brain.Event:2")
        return events[1:]

    def values(self, events, tag):
        return [(e.step, v) for e in events for v in e.summary.value if v.tag == tag]

    def scalars(self, events, tag):
        out = []
        for step, v in self.values(events, tag):
            self.assertEqual(v.metadata.plugin_data.plugin_name, "scalars")
            self.assertEqual(v.metadata.data_class, self.pb.DATA_CLASS_SCALAR)
            self.assertEqual(v.tensor.dtype, self.pb.DT_FLOAT)
            self.assertEqual(len(v.tensor.tensor_shape.dim), 0)
            (value,) = struct.unpack("<f", v.tensor.tensor_content)
            out.append((step, value))
        return out

    def test_custom_scalars(self):
        events = self.events(os.path.join(self.out, "custom"))
        self.assertEqual(self.scalars(events, "loss"), [(0, 1.5), (1, 0.75), (2, 0.375)])
        for e in events:
            self.assertGreater(e.wall_time, 1.6e9)

    def test_custom_histogram_buckets(self):
        events = self.events(os.path.join(self.out, "custom"))
        [(step, v)] = self.values(events, "weights")
        self.assertEqual(step, 1)
        self.assertEqual(v.WhichOneof("value"), "histo")
        h = v.histo
        self.assertEqual((h.min, h.max, h.num, h.sum, h.sum_squares), (0, 9, 10, 45, 285))
        for got, want in zip(h.bucket_limit, [1.8, 3.6, 5.4, 7.2, 9.0]):
            self.assertAlmostEqual(got, want, places=12)
        self.assertEqual(len(h.bucket_limit), 5)
        self.assertEqual(list(h.bucket), [2, 2, 2, 2, 2])

    def test_custom_image_is_png(self):
        events = self.events(os.path.join(self.out, "custom"))
        [(step, v)] = self.values(events, "digits")
        self.assertEqual(step, 2)
        self.assertEqual(v.metadata.plugin_data.plugin_name, "images")
        self.assertEqual(v.metadata.data_class, self.pb.DATA_CLASS_BLOB_SEQUENCE)
        t = v.tensor
        self.assertEqual(t.dtype, self.pb.DT_STRING)
        self.assertEqual([d.size for d in t.tensor_shape.dim], [4])
        self.assertEqual(t.string_val[:2], [b"3", b"2"])  # width, height
        expected_rows = [[b"\x00\x00\x32\x64", b"\x00\x96\xc8\xfa"],
                         [b"\x00\x01\x02\x03", b"\x00\x04\x05\x06"]]
        for png, rows in zip(t.string_val[2:], expected_rows):
            self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
            length, kind = struct.unpack(">I4s", png[8:16])
            self.assertEqual((length, kind), (13, b"IHDR"))
            width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
            self.assertEqual((width, height, depth, colour), (3, 2, 8, 0))
            self.assertEqual(struct.unpack(">I", png[29:33])[0], zlib.crc32(png[12:29]))
            idat_length, idat = struct.unpack(">I4s", png[33:41])
            self.assertEqual(idat, b"IDAT")
            self.assertEqual(zlib.decompress(png[41:41 + idat_length]), b"".join(rows))
            self.assertEqual(png[-12:], b"\x00\x00\x00\x00IEND\xaeB`\x82")

    def test_custom_text(self):
        events = self.events(os.path.join(self.out, "custom"))
        [(step, v)] = self.values(events, "notes")
        self.assertEqual(step, 0)
        self.assertEqual(v.metadata.plugin_data.plugin_name, "text")
        self.assertEqual(v.tensor.dtype, self.pb.DT_STRING)
        self.assertEqual(list(v.tensor.string_val), [b"hello **world**"])

    def test_callback_epoch_scalars(self):
        train = self.events(os.path.join(self.out, "fit", "train"))
        validation = self.events(os.path.join(self.out, "fit", "validation"))
        for (step, got), want in zip(self.scalars(train, "epoch_loss"), self.expected["loss"]):
            self.assertEqual(got, struct.unpack("<f", struct.pack("<f", want))[0])
        self.assertEqual([s for s, _ in self.scalars(train, "epoch_loss")], [0, 1])
        self.assertEqual([s for s, _ in self.scalars(validation, "epoch_loss")], [0, 1])
        for (_, got), want in zip(self.scalars(validation, "epoch_loss"), self.expected["val_loss"]):
            self.assertTrue(math.isclose(got, want, rel_tol=1e-6))
        self.assertEqual([v for _, v in self.scalars(train, "epoch_learning_rate")],
                         [struct.unpack("<f", struct.pack("<f", 0.05))[0]] * 2)
        self.assertEqual([s for s, _ in self.scalars(train, "batch_loss")], [1, 2, 3, 4])
        self.assertEqual([s for s, _ in self.scalars(validation, "evaluation_loss_vs_iterations")],
                         [2, 4])

    def test_callback_histograms_and_summary(self):
        train = self.events(os.path.join(self.out, "fit", "train"))
        kernel = self.values(train, "dense/kernel/histogram")
        self.assertEqual([s for s, _ in kernel], [0, 1])
        self.assertEqual(kernel[0][1].histo.num, 2)
        self.assertEqual(sum(kernel[0][1].histo.bucket), 2)
        [(step, summary)] = self.values(train, "model_summary")
        self.assertEqual(step, 0)
        self.assertIn(b"Total params: 3", summary.tensor.string_val[0])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
