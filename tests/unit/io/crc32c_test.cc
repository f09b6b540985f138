#include "tandem/io/crc32c.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tandem::io {
namespace {

std::vector<uint8_t> bytes_of(int n, int (*f)(int)) {
  std::vector<uint8_t> v(n);
  for (int i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(f(i));
  return v;
}

// RFC 3720 (iSCSI) appendix B.4 test vectors.
TEST(Crc32c, Rfc3720Vectors) {
  auto zeros = bytes_of(32, [](int) { return 0; });
  auto ones = bytes_of(32, [](int) { return 0xff; });
  auto ascending = bytes_of(32, [](int i) { return i; });
  auto descending = bytes_of(32, [](int i) { return 31 - i; });
  EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8a9136aau);
  EXPECT_EQ(crc32c(ones.data(), ones.size()), 0x62a8ab43u);
  EXPECT_EQ(crc32c(ascending.data(), ascending.size()), 0x46dd794eu);
  EXPECT_EQ(crc32c(descending.data(), descending.size()), 0x113fdb5cu);
}

TEST(Crc32c, KnownStrings) {
  EXPECT_EQ(crc32c(""), 0u);
  EXPECT_EQ(crc32c("a"), 0xc1d04330u);
  EXPECT_EQ(crc32c("123456789"), 0xe3069283u);  // the standard check value
}

TEST(Crc32c, ExtendEqualsWhole) {
  std::string s = "hello world, this is a longer string that spans several 8-byte words";
  for (size_t split = 0; split <= s.size(); ++split) {
    uint32_t a = crc32c(s.data(), split);
    EXPECT_EQ(crc32c_extend(a, s.data() + split, s.size() - split), crc32c(s)) << split;
  }
}

TEST(Crc32c, PortablePathMatchesDispatchedPath) {
  std::string s;
  for (int i = 0; i < 1000; ++i) s.push_back(static_cast<char>((i * 131 + 7) & 0xff));
  for (size_t n : {0u, 1u, 7u, 8u, 9u, 63u, 1000u}) {
    EXPECT_EQ(detail::crc32c_extend_portable(0, s.data(), n), crc32c(s.data(), n)) << n;
  }
}

TEST(Crc32c, MaskMatchesTensorFlow) {
  uint32_t crc = 0x12345678u;
  uint32_t expected = ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
  EXPECT_EQ(crc32c_mask(crc), expected);
  EXPECT_NE(crc32c_mask(crc), crc);
  EXPECT_EQ(crc32c_unmask(crc32c_mask(crc)), crc);
  EXPECT_EQ(crc32c_unmask(crc32c_mask(0xffffffffu)), 0xffffffffu);
}

}  // namespace
}  // namespace tandem::io
