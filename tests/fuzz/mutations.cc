#include "mutations.h"

#include <algorithm>
#include <array>

namespace tandem::fuzz {

uint64_t Random::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

namespace {

// Values that break length and count fields: zero, one, sign bits, all ones, and sizes just past
// what an input can hold.
constexpr std::array<uint64_t, 12> kBoundaryValues = {0,
                                                      1,
                                                      0x7f,
                                                      0x80,
                                                      0xff,
                                                      0x7fff,
                                                      0xffff,
                                                      0x7fffffff,
                                                      0xffffffff,
                                                      0x8000000000000000ull,
                                                      0xffffffffffffffffull,
                                                      kMaxMutatedSize + 1};

// Offsets where formats keep their length fields (a record's start, a preamble's words) are tried
// as often as random ones.
size_t field_offset(const std::string& s, Random& random) {
  if (random.below(2) == 0) return static_cast<size_t>(random.below(s.size()));
  size_t word = static_cast<size_t>(random.below(8)) * 4;
  return std::min(word, s.empty() ? 0 : s.size() - 1);
}

void overwrite_field(std::string& s, Random& random) {
  if (s.empty()) return;
  const size_t widths[] = {1, 2, 4, 8};
  size_t width = widths[random.below(4)];
  size_t at = field_offset(s, random);
  uint64_t value = random.below(4) == 0 ? random.next() : kBoundaryValues[random.below(12)];
  if (random.below(4) == 0 && value > 0) value -= 1;  // off by one
  for (size_t i = 0; i < width && at + i < s.size(); ++i) {
    s[at + i] = static_cast<char>((value >> (8 * i)) & 0xff);  // little-endian, like the formats
  }
}

}  // namespace

std::string mutate(std::string s, const std::vector<std::string>& seeds, Random& random,
                   std::string* log) {
  int count = 1 + static_cast<int>(random.below(4));
  for (int m = 0; m < count; ++m) {
    switch (random.below(9)) {
      case 0:  // flip one bit
        if (!s.empty()) {
          s[random.below(s.size())] ^= static_cast<char>(1u << random.below(8));
        }
        *log += " flip";
        break;
      case 1:  // one byte to a random value
        if (!s.empty()) s[random.below(s.size())] = static_cast<char>(random.below(256));
        *log += " byte";
        break;
      case 2:  // truncate
        s.resize(static_cast<size_t>(random.below(s.size() + 1)));
        *log += " truncate";
        break;
      case 3:
      case 4:  // a length or count field
        overwrite_field(s, random);
        *log += " field";
        break;
      case 5: {  // delete a range
        size_t at = static_cast<size_t>(random.below(s.size() + 1));
        s.erase(at, static_cast<size_t>(random.below(s.size() - at + 1)));
        *log += " delete";
        break;
      }
      case 6: {  // duplicate a range in place
        size_t at = static_cast<size_t>(random.below(s.size() + 1));
        size_t n = static_cast<size_t>(random.below(std::min<size_t>(s.size() - at, 256) + 1));
        s.insert(at, s.substr(at, n));
        *log += " duplicate";
        break;
      }
      case 7: {  // splice: this input's head, another seed's tail
        const std::string& other = seeds[random.below(seeds.size())];
        size_t head = static_cast<size_t>(random.below(s.size() + 1));
        size_t tail = static_cast<size_t>(random.below(other.size() + 1));
        s = s.substr(0, head) + other.substr(tail);
        *log += " splice";
        break;
      }
      default: {  // insert random bytes (varint continuation bytes half the time)
        size_t at = static_cast<size_t>(random.below(s.size() + 1));
        size_t n = 1 + static_cast<size_t>(random.below(16));
        std::string bytes(n, '\0');
        bool varint = random.below(2) == 0;
        for (char& b : bytes)
          b = static_cast<char>(varint ? 0x80 | random.below(128) : random.below(256));
        s.insert(at, bytes);
        *log += " insert";
        break;
      }
    }
    if (s.size() > kMaxMutatedSize) s.resize(kMaxMutatedSize);
  }
  return s;
}

}  // namespace tandem::fuzz
