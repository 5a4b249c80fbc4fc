// Pattern: values depend only on the element, whatever box or thread generates them; smooth
// data is smooth and compresses like real data.
#include "zarr/pattern.h"

#include <cmath>
#include <cstring>

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/codec/bytes_codec.h"
#include "zarr/strided_copy.h"

namespace zring::zarr {
namespace {

using ::testing::HasSubstr;
using ::zring::testing::StatusIs;

std::vector<std::byte> Generate(const Pattern& p, const Box& box, WorkerPool* pool = nullptr) {
  std::vector<std::byte> out(box.NumElements() * p.data_type().size_bytes());
  EXPECT_OK(p.Generate(box, out, pool));
  return out;
}

class PatternTest : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(PatternTest, AnyBoxEqualsTheSameElementsOfTheWhole) {
  ASSERT_OK_AND_ASSIGN(PatternKind kind, ParsePatternKind(std::get<0>(GetParam())));
  ASSERT_OK_AND_ASSIGN(DataType type, ParseDataTypeV3(std::get<1>(GetParam())));
  const std::vector<uint64_t> shape{7, 11, 13};
  ASSERT_OK_AND_ASSIGN(Pattern p, Pattern::Make(kind, 5, shape, type));
  const auto whole = Generate(p, Box{{0, 0, 0}, shape});
  WorkerPool pool(3);
  EXPECT_TRUE(Generate(p, Box{{0, 0, 0}, shape}, &pool) == whole);
  const Box sub{{2, 3, 4}, {4, 7, 6}};
  const auto part = Generate(p, sub, &pool);
  const size_t elem = type.size_bytes();
  std::vector<std::byte> expected(part.size());
  const auto strides = COrderStrides(shape, elem);
  CopyStrided(whole.data() + 2 * strides[0] + 3 * strides[1] + 4 * strides[2], strides,
              expected.data(), COrderStrides(sub.shape, elem), sub.shape, elem);
  EXPECT_TRUE(part == expected);
  ASSERT_OK_AND_ASSIGN(Pattern again, Pattern::Make(kind, 5, shape, type));
  EXPECT_TRUE(Generate(again, sub) == part);
  if ((kind == PatternKind::kSmooth && type.kind() != DataKind::kBool) ||
      kind == PatternKind::kRandom) {
    ASSERT_OK_AND_ASSIGN(Pattern other_seed, Pattern::Make(kind, 6, shape, type));
    EXPECT_FALSE(Generate(other_seed, sub) == part);
  }
}

INSTANTIATE_TEST_SUITE_P(
    KindsAndTypes, PatternTest,
    ::testing::Combine(::testing::Values("smooth", "random", "arange", "zeros"),
                       ::testing::Values("uint16", "int8", "int64", "float32", "float16",
                                         "bfloat16", "float64", "bool", "complex64")));

TEST(Pattern, ArangeIsTheLinearIndex) {
  ASSERT_OK_AND_ASSIGN(Pattern p, Pattern::Make(PatternKind::kArange, 0, {300, 3},
                                                DataType(DataKind::kUInt, 2)));
  auto bytes = Generate(p, Box{{100, 1}, {2, 2}});
  std::vector<uint16_t> v(4);
  std::memcpy(v.data(), bytes.data(), 8);
  EXPECT_EQ(v, (std::vector<uint16_t>{301, 302, 304, 305}));
  ASSERT_OK_AND_ASSIGN(Pattern u8, Pattern::Make(PatternKind::kArange, 0, {300}, DataType(DataKind::kUInt, 1)));
  EXPECT_EQ(Generate(u8, Box{{257}, {1}})[0], std::byte{1});  // wraps like a C cast
}

TEST(Pattern, SmoothUint16IsSmoothSpreadAndCompressesLikeRealData) {
  const std::vector<uint64_t> shape{4, 1024, 1024};
  ASSERT_OK_AND_ASSIGN(Pattern p, Pattern::Make(PatternKind::kSmooth, 1, shape,
                                                DataType(DataKind::kUInt, 2)));
  WorkerPool pool(2);
  const auto bytes = Generate(p, Box{{0, 0, 0}, shape}, &pool);
  std::vector<uint16_t> v(bytes.size() / 2);
  std::memcpy(v.data(), bytes.data(), bytes.size());
  double sum = 0, sum2 = 0, step = 0;
  uint16_t lo = 65535, hi = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    sum += v[i];
    sum2 += double(v[i]) * v[i];
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
    if (i % shape[2] != 0) step += std::abs(double(v[i]) - v[i - 1]);
  }
  const double n = double(v.size());
  const double sd = std::sqrt(sum2 / n - (sum / n) * (sum / n));
  EXPECT_GT(sd, 2500);             // uses a good part of the range
  EXPECT_GT(hi - lo, 15000);
  EXPECT_LT(step / n, 0.02 * sd);  // neighbours are close: a field, not noise
  // blosc lz4 + byte shuffle compresses it 1.5-4x, as it does quantized model output.
  simdjson::dom::parser parser;
  auto config = parser.parse(std::string_view(R"({"cname":"lz4","clevel":5,"shuffle":"shuffle","typesize":2})"));
  ASSERT_OK_AND_ASSIGN(auto blosc, MakeBytesCodec("blosc", config.get_object().value(), {2}));
  Buffer encoded;
  ASSERT_OK(blosc->Encode(bytes, encoded));
  const double ratio = double(bytes.size()) / double(encoded.size());
  std::fprintf(stderr, "sd %g step %g range %d ratio %g\n", sd, step / n, hi - lo, ratio);
  EXPECT_GT(ratio, 1.5);
  EXPECT_LT(ratio, 4.0);
}

TEST(Pattern, RefusesMeaninglessCombinationsAndBadBoxes) {
  EXPECT_THAT(ParsePatternKind("sine").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("smooth, random")));
  EXPECT_THAT(Pattern::Make(PatternKind::kSmooth, 0, {4}, DataType(DataKind::kBytes, 4)).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("numeric")));
  ASSERT_OK_AND_ASSIGN(Pattern p, Pattern::Make(PatternKind::kRandom, 0, {4, 4},
                                                DataType(DataKind::kInt, 4)));
  std::vector<std::byte> out(16);
  EXPECT_THAT(p.Generate(Box{{2, 2}, {3, 1}}, out),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dimension 0")));
  EXPECT_THAT(p.Generate(Box{{0, 0}, {2, 3}}, out),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("holds 16 bytes")));
}

}  // namespace
}  // namespace zring::zarr
