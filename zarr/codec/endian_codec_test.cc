#include "zarr/codec/endian_codec.h"

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/test_util.h"

namespace zring::zarr {
namespace {

using ::testing::HasSubstr;
using ::zring::testing::StatusIs;
using ::zring::zarr::testing::Hex;

ChunkSpec Spec(DataType t, uint64_t n) {
  return ChunkSpec{t, {n}, FillValue(std::vector<std::byte>(t.size_bytes()), true)};
}

TEST(EndianCodec, BigEndianSwapsEachElement) {
  ASSERT_OK_AND_ASSIGN(auto c,
                       MakeEndianCodec(R"({"endian": "big"})", Spec(DataType(DataKind::kUInt, 2), 2)));
  EXPECT_FALSE(c->IsIdentity());
  const std::vector<std::byte> stored = {std::byte{0x01}, std::byte{0x02}, std::byte{0x03},
                                         std::byte{0x04}};
  std::vector<std::byte> out(4);
  ASSERT_OK(c->Decode(stored, out));
  EXPECT_EQ(Hex(out), "02010403");
  Buffer back;
  ASSERT_OK(c->Encode(out, back));
  EXPECT_EQ(Hex(back.span()), "01020304");
}

TEST(EndianCodec, ComplexSwapsEachHalfAndLittleIsIdentity) {
  ASSERT_OK_AND_ASSIGN(auto big,
                       MakeEndianCodec(R"({"endian": "big"})", Spec(DataType(DataKind::kComplex, 8), 1)));
  std::vector<std::byte> stored(8);
  for (int i = 0; i < 8; ++i) stored[i] = std::byte(i);
  std::vector<std::byte> out(8);
  ASSERT_OK(big->Decode(stored, out));
  EXPECT_EQ(Hex(out), "0302010007060504");
  ASSERT_OK_AND_ASSIGN(auto little,
                       MakeEndianCodec(R"({"endian": "little"})", Spec(DataType(DataKind::kComplex, 8), 1)));
  EXPECT_TRUE(little->IsIdentity());
  ASSERT_OK(little->Decode(stored, out));
  EXPECT_EQ(Hex(out), "0001020304050607");
}

TEST(EndianCodec, ChecksSizeAndConfiguration) {
  ASSERT_OK_AND_ASSIGN(auto c,
                       MakeEndianCodec(R"({"endian": "little"})", Spec(DataType(DataKind::kInt, 4), 3)));
  std::vector<std::byte> short_chunk(11), out(12);
  EXPECT_THAT(c->Decode(short_chunk, out),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("expected 12 bytes")));
  EXPECT_THAT(MakeEndianCodec("{}", Spec(DataType(DataKind::kInt, 4), 3)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("endian")));
  EXPECT_OK(MakeEndianCodec("{}", Spec(DataType(DataKind::kUInt, 1), 3)).status());
  EXPECT_THAT(MakeEndianCodec(R"({"endian": "middle"})", Spec(DataType(DataKind::kInt, 4), 3)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("middle")));
}

}  // namespace
}  // namespace zring::zarr
