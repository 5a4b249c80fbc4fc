#include "zarr/fill_value.h"

#include <cmath>
#include <cstring>

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/test_util.h"

namespace zring::zarr {
namespace {

using ::testing::HasSubstr;
using ::zring::testing::StatusIs;
using ::zring::testing::StatusIsCode;
using ::zring::zarr::testing::Hex;
using ::zring::zarr::testing::Json;

absl::StatusOr<FillValue> Parse(std::string_view json, const DataType& t, int format = 3) {
  simdjson::dom::parser parser;
  return ParseFillValue(Json(parser, json), t, format);
}

const DataType kF32(DataKind::kFloat, 4), kF64(DataKind::kFloat, 8), kF16(DataKind::kFloat, 2);

TEST(FillValue, ParsesIntegersWithRangeChecks) {
  ASSERT_OK_AND_ASSIGN(auto v, Parse("-2", DataType(DataKind::kInt, 2)));
  EXPECT_EQ(Hex(v.bytes()), "feff");
  ASSERT_OK_AND_ASSIGN(auto u, Parse("18446744073709551615", DataType(DataKind::kUInt, 8)));
  EXPECT_EQ(Hex(u.bytes()), "ffffffffffffffff");
  ASSERT_OK_AND_ASSIGN(auto f, Parse("0.0", DataType(DataKind::kInt, 4)));
  EXPECT_EQ(Hex(f.bytes()), "00000000");
  EXPECT_THAT(Parse("128", DataType(DataKind::kInt, 1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("int8")));
  EXPECT_THAT(Parse("-1", DataType(DataKind::kUInt, 4)),
              StatusIsCode(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Parse("1.5", DataType(DataKind::kInt, 4)),
              StatusIsCode(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Parse("\"x\"", DataType(DataKind::kInt, 4)),
              StatusIsCode(absl::StatusCode::kInvalidArgument));
}

TEST(FillValue, ParsesFloatSpecialsAndHex) {
  ASSERT_OK_AND_ASSIGN(auto nan, Parse("\"NaN\"", kF32));
  EXPECT_EQ(Hex(nan.bytes()), "0000c07f");
  ASSERT_OK_AND_ASSIGN(auto inf, Parse("\"Infinity\"", kF64));
  EXPECT_EQ(Hex(inf.bytes()), "000000000000f07f");
  ASSERT_OK_AND_ASSIGN(auto ninf, Parse("\"-Infinity\"", kF32));
  EXPECT_EQ(Hex(ninf.bytes()), "000080ff");
  ASSERT_OK_AND_ASSIGN(auto hex, Parse("\"0x7fc00001\"", kF32));
  EXPECT_EQ(Hex(hex.bytes()), "0100c07f");
  ASSERT_OK_AND_ASSIGN(auto num, Parse("1.5", kF64));
  EXPECT_EQ(Hex(num.bytes()), "000000000000f83f");
  ASSERT_OK_AND_ASSIGN(auto half, Parse("1.0", kF16));
  EXPECT_EQ(Hex(half.bytes()), "003c");
  ASSERT_OK_AND_ASSIGN(auto bf, Parse("1.0", DataType(DataKind::kBFloat16, 2)));
  EXPECT_EQ(Hex(bf.bytes()), "803f");
  EXPECT_THAT(Parse("\"0x7fc0\"", kF32), StatusIsCode(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Parse("\"nan\"", kF32), StatusIsCode(absl::StatusCode::kInvalidArgument));
}

TEST(FillValue, ParsesComplexPairsAndBooleans) {
  ASSERT_OK_AND_ASSIGN(auto c, Parse("[1.0, \"NaN\"]", DataType(DataKind::kComplex, 8)));
  EXPECT_EQ(Hex(c.bytes()), "0000803f0000c07f");
  EXPECT_THAT(Parse("[1.0]", DataType(DataKind::kComplex, 8)),
              StatusIsCode(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(auto t, Parse("true", DataType(DataKind::kBool, 1)));
  EXPECT_EQ(Hex(t.bytes()), "01");
  EXPECT_THAT(Parse("\"yes\"", DataType(DataKind::kBool, 1)),
              StatusIsCode(absl::StatusCode::kInvalidArgument));
}

TEST(FillValue, V2NullIsZerosAndUndefined) {
  ASSERT_OK_AND_ASSIGN(auto v, Parse("null", kF64, 2));
  EXPECT_FALSE(v.defined());
  EXPECT_EQ(Hex(v.bytes()), "0000000000000000");
  EXPECT_THAT(Parse("null", kF64, 3), StatusIsCode(absl::StatusCode::kInvalidArgument));
}

TEST(FillValue, V2FixedLengthStringsAreBase64OrText) {
  ASSERT_OK_AND_ASSIGN(auto s, Parse("\"YWI=\"", DataType(DataKind::kBytes, 4), 2));  // "ab"
  EXPECT_EQ(Hex(s.bytes()), "61620000");
  ASSERT_OK_AND_ASSIGN(auto u, Parse("\"h\"", DataType(DataKind::kUnicode, 8), 2));
  EXPECT_EQ(Hex(u.bytes()), "6800000000000000");
  ASSERT_OK_AND_ASSIGN(auto r, Parse("[1, 2]", DataType(DataKind::kBytes, 2), 3));
  EXPECT_EQ(Hex(r.bytes()), "0102");
}

TEST(FillValue, FillIntoRepeatsTheElement) {
  ASSERT_OK_AND_ASSIGN(auto v, Parse("[1.0, 2.0]", DataType(DataKind::kComplex, 8)));
  std::vector<std::byte> out(8 * 5);
  v.FillInto(out);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(std::memcmp(out.data() + 8 * i, v.bytes().data(), 8), 0) << i;
  }
  EXPECT_EQ(v.ToJson(DataType(DataKind::kComplex, 8)), "[1, 2]");
}

TEST(HalfFloat, RoundsToNearestEvenAndKeepsSpecials) {
  EXPECT_EQ(FloatToHalfBits(65504.0f), 0x7bffu);
  EXPECT_EQ(FloatToHalfBits(65520.0f), 0x7c00u);  // halfway to the next: rounds to infinity
  EXPECT_EQ(FloatToHalfBits(5.9604644775390625e-8f), 0x0001u);  // smallest subnormal
  EXPECT_EQ(FloatToHalfBits(-0.0f), 0x8000u);
  EXPECT_EQ(FloatToHalfBits(1.0f + 1.0f / 2048), 0x3c00u);  // tie -> even
  EXPECT_TRUE(std::isnan(HalfBitsToFloat(FloatToHalfBits(NAN))));
  for (uint32_t bits = 0; bits < 0x7c00; bits += 7) {
    EXPECT_EQ(FloatToHalfBits(HalfBitsToFloat(static_cast<uint16_t>(bits))), bits);
  }
}

}  // namespace
}  // namespace zring::zarr
