// PNG encoding (tf.io.encode_png): 8-bit grayscale, grayscale + alpha, RGB or RGBA images, written
// as the signature, an IHDR chunk, one zlib-deflated IDAT chunk of unfiltered scanlines, and IEND.
// TensorBoard's image dashboard shows these; any PNG decoder reads them.
#pragma once

#include <cstdint>
#include <string>

namespace tandem {
class Tensor;
}

namespace tandem::io {

// `pixels` holds height * width * channels bytes, row-major, channels interleaved (HWC).
// ValueError for channels outside 1..4 or dimensions outside 1..2^31-1.
std::string encode_png(const uint8_t* pixels, int64_t height, int64_t width, int channels,
                       int compression_level = -1);

}  // namespace tandem::io

namespace tandem {

// tf.io.encode_png: a uint8 image [height, width, channels] with 1 to 4 channels.
std::string encode_png(const Tensor& image, int compression_level = -1);

}  // namespace tandem
