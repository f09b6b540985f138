#include "tandem/io/example_wire.h"

#include <bit>
#include <cstring>

namespace tandem::io::wire {
namespace {

// Fixed-width values on the wire are little-endian; the float copies below memcpy them.
static_assert(std::endian::native == std::endian::little,
              "example_wire assumes a little-endian host");

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLength = 2, kFixed32 = 5 };

// A cursor over one message's bytes. Every read checks the bounds and fails rather than read past
// the end; the limits are protobuf's (10-byte varints, 5-byte tags and lengths).
class Reader {
 public:
  explicit Reader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  bool done() const { return p_ == end_; }

  // Bits past the 64th are dropped, as protobuf does.
  bool varint(uint64_t* value, int max_bytes = 10) {
    uint64_t v = 0;
    for (int i = 0; i < max_bytes && p_ != end_; ++i) {
      auto byte = static_cast<uint8_t>(*p_++);
      v |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
      if (byte < 0x80) {
        *value = v;
        return true;
      }
    }
    return false;
  }

  // A field's tag; field number 0 is invalid.
  bool tag(uint32_t* field, uint32_t* wire_type) {
    uint64_t tag = 0;
    if (!varint(&tag, 5)) return false;
    *field = static_cast<uint32_t>(tag) >> 3;
    *wire_type = static_cast<uint32_t>(tag) & 7;
    return *field != 0;
  }

  // A length-delimited payload.
  bool bytes(std::string_view* out) {
    uint64_t n = 0;
    if (!varint(&n, 5) || n > static_cast<uint64_t>(end_ - p_)) return false;
    *out = std::string_view(p_, n);
    p_ += n;
    return true;
  }

  bool fixed(size_t n, const char** at = nullptr) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    if (at != nullptr) *at = p_;
    p_ += n;
    return true;
  }

  // Skips a field of any wire type but groups.
  bool skip(uint32_t wire_type) {
    uint64_t ignored = 0;
    std::string_view payload;
    switch (wire_type) {
      case kVarint:
        return varint(&ignored);
      case kFixed64:
        return fixed(8);
      case kLength:
        return bytes(&payload);
      case kFixed32:
        return fixed(4);
      default:
        return false;
    }
  }

 private:
  const char* p_;
  const char* end_;
};

// The number of varints in a packed field, or -1 when one is truncated or longer than 10 bytes.
int64_t count_packed_varints(std::string_view packed) {
  int64_t n = 0;
  int run = 0;
  for (char c : packed) {
    if (static_cast<uint8_t>(c) < 0x80) {
      ++n;
      run = 0;
    } else if (++run == 10) {
      return -1;
    }
  }
  return run == 0 ? n : -1;
}

// Whether `s` is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF), which
// protobuf requires of proto3 strings such as the map's keys.
bool is_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
    if (c < 0xc2 || c > 0xf4 || s.size() - i <= n) return false;
    uint32_t code = c & (0x3f >> n);
    for (size_t k = 1; k <= n; ++k) {
      auto b = static_cast<uint8_t>(s[i + k]);
      if ((b & 0xc0) != 0x80) return false;
      code = code << 6 | (b & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (code < kMin[n] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

// Whether field `field` with `wire_type` is a list's `value` (packed or not) for `kind`.
bool is_value(Kind kind, uint32_t field, uint32_t wire_type) {
  if (field != 1) return false;
  switch (kind) {
    case Kind::kBytes:
      return wire_type == kLength;
    case Kind::kFloat:
      return wire_type == kLength || wire_type == kFixed32;
    case Kind::kInt64:
      return wire_type == kLength || wire_type == kVarint;
    case Kind::kNone:
      break;
  }
  return false;
}

// Checks a BytesList / FloatList / Int64List message and returns its number of values (-1: bad).
int64_t count_list(Kind kind, std::string_view list) {
  Reader r(list);
  int64_t n = 0;
  uint32_t field = 0, wire_type = 0;
  while (!r.done()) {
    if (!r.tag(&field, &wire_type)) return -1;
    bool value = is_value(kind, field, wire_type);
    if (!value || kind == Kind::kBytes || wire_type != kLength) {  // unknown, or one value
      if (!r.skip(wire_type)) return -1;
      n += value ? 1 : 0;
      continue;
    }
    std::string_view packed;
    if (!r.bytes(&packed)) return -1;
    int64_t m = kind == Kind::kFloat ? (packed.size() % 4 == 0 ? packed.size() / 4 : -1)
                                     : count_packed_varints(packed);
    if (m < 0) return -1;
    n += m;
  }
  return n;
}

// Calls fn(kind, list bytes) for each list field of a Feature message, in order.
template <class Fn>
bool for_each_list_in_feature(std::string_view feature, Fn&& fn) {
  Reader r(feature);
  uint32_t field = 0, wire_type = 0;
  while (!r.done()) {
    if (!r.tag(&field, &wire_type)) return false;
    if (field > 3 || wire_type != kLength) {
      if (!r.skip(wire_type)) return false;
      continue;
    }
    std::string_view list;
    if (!r.bytes(&list) || !fn(static_cast<Kind>(field), list)) return false;
  }
  return true;
}

// The same over all Feature values of a map entry: a value field given twice merges, which for
// messages is the same as reading the two payloads one after the other. Sets the entry's key.
template <class Fn>
bool for_each_list_in_entry(std::string_view entry, std::string_view* key, Fn&& fn) {
  Reader r(entry);
  uint32_t field = 0, wire_type = 0;
  while (!r.done()) {
    if (!r.tag(&field, &wire_type)) return false;
    std::string_view payload;
    if (field > 2 || wire_type != kLength) {
      if (!r.skip(wire_type)) return false;
    } else if (!r.bytes(&payload)) {
      return false;
    } else if (field == 1) {
      if (!is_utf8(payload)) return false;
      *key = payload;  // the last key wins
    } else if (!for_each_list_in_feature(payload, fn)) {
      return false;
    }
  }
  return true;
}

// Checks one map entry and summarises it in `view`. A list of another kind than the one before
// replaces it (the oneof switches); one of the same kind adds to it (the message merges).
bool read_entry(std::string_view entry, std::string_view* key, FeatureView* view) {
  *key = {};
  *view = FeatureView{.found = true, .entry = entry};
  int32_t index = 0;
  return for_each_list_in_entry(entry, key, [&](Kind kind, std::string_view list) {
    int64_t n = count_list(kind, list);
    if (n < 0) return false;
    if (kind != view->kind) *view = FeatureView{true, kind, 0, entry, index};
    view->count += n;
    ++index;
    return true;
  });
}

bool read_features(std::string_view features, std::span<const std::string_view> names,
                   std::span<FeatureView> views) {
  Reader r(features);
  uint32_t field = 0, wire_type = 0;
  while (!r.done()) {
    if (!r.tag(&field, &wire_type)) return false;
    std::string_view entry, key;
    FeatureView view;
    if (field != 1 || wire_type != kLength) {
      if (!r.skip(wire_type)) return false;
    } else if (!r.bytes(&entry) || !read_entry(entry, &key, &view)) {
      return false;
    } else {
      for (size_t i = 0; i < names.size(); ++i) {
        if (names[i] == key) {
          views[i] = view;  // a later entry with the same key replaces it
          break;
        }
      }
    }
  }
  return true;
}

// Calls fn(field, wire_type, reader) for each value field of the view's winning lists; fn reads
// the value from the reader.
template <class Fn>
void for_each_value(const FeatureView& view, Fn&& fn) {
  std::string_view key;
  int32_t index = 0;
  for_each_list_in_entry(view.entry, &key, [&](Kind, std::string_view list) {
    if (index++ < view.first_list) return true;
    Reader r(list);
    uint32_t field = 0, wire_type = 0;
    while (!r.done() && r.tag(&field, &wire_type)) {
      if (!(is_value(view.kind, field, wire_type) ? fn(wire_type, r) : r.skip(wire_type))) break;
    }
    return true;
  });
}

}  // namespace

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kBytes:
      return "bytes_list";
    case Kind::kFloat:
      return "float_list";
    case Kind::kInt64:
      return "int64_list";
    case Kind::kNone:
      break;
  }
  return "no list";
}

bool find_features(std::string_view example, std::span<const std::string_view> names,
                   std::span<FeatureView> views) {
  for (FeatureView& v : views) v = FeatureView{};
  Reader r(example);
  uint32_t field = 0, wire_type = 0;
  while (!r.done()) {
    if (!r.tag(&field, &wire_type)) return false;
    std::string_view features;
    if (field != 1 || wire_type != kLength) {
      if (!r.skip(wire_type)) return false;
    } else if (!r.bytes(&features) || !read_features(features, names, views)) {
      return false;  // Example.features given twice merges: the maps' entries add up
    }
  }
  return true;
}

void copy_floats(const FeatureView& view, float* dst) {
  for_each_value(view, [&](uint32_t wire_type, Reader& r) {
    std::string_view packed;
    const char* at = nullptr;
    if (wire_type == kFixed32) {
      if (!r.fixed(4, &at)) return false;
      std::memcpy(dst++, at, 4);
    } else {
      if (!r.bytes(&packed)) return false;
      std::memcpy(dst, packed.data(), packed.size());
      dst += packed.size() / 4;
    }
    return true;
  });
}

void copy_int64s(const FeatureView& view, int64_t* dst) {
  for_each_value(view, [&](uint32_t wire_type, Reader& r) {
    uint64_t v = 0;
    if (wire_type == kVarint) {
      if (!r.varint(&v)) return false;
      *dst++ = static_cast<int64_t>(v);
      return true;
    }
    std::string_view packed;
    if (!r.bytes(&packed)) return false;
    Reader values(packed);
    while (!values.done() && values.varint(&v)) *dst++ = static_cast<int64_t>(v);
    return true;
  });
}

void copy_bytes(const FeatureView& view, std::string* dst) {
  for_each_value(view, [&](uint32_t, Reader& r) {
    std::string_view value;
    if (!r.bytes(&value)) return false;
    (dst++)->assign(value.data(), value.size());
    return true;
  });
}

}  // namespace tandem::io::wire
