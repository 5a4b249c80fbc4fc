#include "zarr/dtype.h"

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::zarr {
namespace {

using ::testing::HasSubstr;
using ::zring::testing::StatusIs;
using ::zring::testing::StatusIsCode;

TEST(DataTypeV2, ParsesNumericTypesAndByteOrders) {
  ASSERT_OK_AND_ASSIGN(DataTypeV2 f4, ParseDataTypeV2("<f4"));
  EXPECT_EQ(f4.type, DataType(DataKind::kFloat, 4));
  EXPECT_EQ(f4.endian, Endian::kLittle);
  ASSERT_OK_AND_ASSIGN(DataTypeV2 be, ParseDataTypeV2(">i8"));
  EXPECT_EQ(be.type, DataType(DataKind::kInt, 8));
  EXPECT_EQ(be.endian, Endian::kBig);
  ASSERT_OK_AND_ASSIGN(DataTypeV2 b, ParseDataTypeV2("|b1"));
  EXPECT_EQ(b.type.kind(), DataKind::kBool);
  ASSERT_OK_AND_ASSIGN(DataTypeV2 c, ParseDataTypeV2("<c16"));
  EXPECT_EQ(c.type.swap_unit_bytes(), 8u);
  EXPECT_EQ(c.type.Name(), "complex128");
  ASSERT_OK_AND_ASSIGN(DataTypeV2 u, ParseDataTypeV2("|u1"));
  EXPECT_EQ(u.type.NumpyString(Endian::kLittle), "|u1");
  ASSERT_OK_AND_ASSIGN(DataTypeV2 h, ParseDataTypeV2(">f2"));
  EXPECT_EQ(h.type.NumpyString(h.endian), ">f2");
}

TEST(DataTypeV2, ReadsFixedLengthAndDatetimeTypesAsRaw) {
  ASSERT_OK_AND_ASSIGN(DataTypeV2 s, ParseDataTypeV2("|S7"));
  EXPECT_EQ(s.type.size_bytes(), 7u);
  EXPECT_EQ(s.type.swap_unit_bytes(), 1u);
  ASSERT_OK_AND_ASSIGN(DataTypeV2 u, ParseDataTypeV2(">U13"));
  EXPECT_EQ(u.type.size_bytes(), 52u);
  EXPECT_EQ(u.type.swap_unit_bytes(), 4u);
  ASSERT_OK_AND_ASSIGN(DataTypeV2 m, ParseDataTypeV2("<M8[ns]"));
  EXPECT_EQ(m.type.kind(), DataKind::kDateTime);
  EXPECT_EQ(m.type.unit(), "ns");
  EXPECT_EQ(m.type.size_bytes(), 8u);
  ASSERT_OK_AND_ASSIGN(DataTypeV2 td, ParseDataTypeV2("<m8[s]"));
  EXPECT_EQ(td.type.kind(), DataKind::kTimeDelta);
}

TEST(DataTypeV2, RefusesObjectAndUnknownTypes) {
  EXPECT_THAT(ParseDataTypeV2("|O"),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("not supported")));
  EXPECT_THAT(ParseDataTypeV2("<i3"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("<i3")));
  EXPECT_THAT(ParseDataTypeV2("i4"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("i4")));
  EXPECT_THAT(ParseDataTypeV2("<f16"), StatusIsCode(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseDataTypeV2("<M8"), StatusIsCode(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseDataTypeV2(""), StatusIsCode(absl::StatusCode::kInvalidArgument));
}

TEST(DataTypeV3, ParsesEveryCoreName) {
  const std::pair<const char*, uint32_t> names[] = {
      {"bool", 1},    {"int8", 1},    {"int16", 2},   {"int32", 4},     {"int64", 8},
      {"uint8", 1},   {"uint16", 2},  {"uint32", 4},  {"uint64", 8},    {"float16", 2},
      {"float32", 4}, {"float64", 8}, {"bfloat16", 2}, {"complex64", 8}, {"complex128", 16}};
  for (const auto& [name, size] : names) {
    ASSERT_OK_AND_ASSIGN(DataType t, ParseDataTypeV3(name));
    EXPECT_EQ(t.size_bytes(), size) << name;
    EXPECT_EQ(t.Name(), name);
  }
  ASSERT_OK_AND_ASSIGN(DataType raw, ParseDataTypeV3("r24"));
  EXPECT_EQ(raw.size_bytes(), 3u);
}

TEST(DataTypeV3, RefusesVariableLengthAndUnknownNames) {
  EXPECT_THAT(ParseDataTypeV3("string"), StatusIsCode(absl::StatusCode::kUnimplemented));
  EXPECT_THAT(ParseDataTypeV3("float128"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("float128")));
  EXPECT_THAT(ParseDataTypeV3("r7"), StatusIsCode(absl::StatusCode::kInvalidArgument));
}

TEST(SwapBytes, SwapsPerUnit) {
  std::byte c[8] = {std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4},
                    std::byte{5}, std::byte{6}, std::byte{7}, std::byte{8}};
  SwapBytes(DataType(DataKind::kComplex, 8), c, 1);  // each float half on its own
  EXPECT_EQ(c[0], std::byte{4});
  EXPECT_EQ(c[3], std::byte{1});
  EXPECT_EQ(c[4], std::byte{8});
  SwapBytes(DataType(DataKind::kBytes, 8), c, 1);  // raw bytes never swap
  EXPECT_EQ(c[0], std::byte{4});
  SwapBytes(DataType(DataKind::kInt, 8), c, 1);
  EXPECT_EQ(c[0], std::byte{5});
  EXPECT_EQ(c[7], std::byte{4});
}

}  // namespace
}  // namespace zring::zarr
