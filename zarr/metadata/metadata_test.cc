#include <string>

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/metadata/array_metadata.h"
#include "zarr/test_util.h"

namespace zring::zarr {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;
using ::zring::testing::StatusIsCode;
using ::zring::zarr::testing::Hex;

constexpr std::string_view kZarray = R"({
  "zarr_format": 2, "shape": [10, 20], "chunks": [5, 7], "dtype": ">f4",
  "fill_value": "NaN", "order": "F", "compressor": {"id": "zlib", "level": 1},
  "filters": [{"id": "delta", "dtype": ">f4"}], "dimension_separator": "/"})";

constexpr std::string_view kZarrJson = R"({
  "zarr_format": 3, "node_type": "array", "shape": [8, 24], "data_type": "int16",
  "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [4, 6]}},
  "chunk_key_encoding": {"name": "default", "configuration": {"separator": "."}},
  "fill_value": -1, "codecs": [{"name": "bytes", "configuration": {"endian": "little"}},
  {"name": "zstd", "configuration": {"level": 3}}], "dimension_names": ["y", null],
  "attributes": {"units": "K"}, "storage_transformers": []})";

std::string Replace(std::string_view text, std::string_view from, std::string_view to) {
  std::string s(text);
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(MetadataV2, ParsesEveryField) {
  ASSERT_OK_AND_ASSIGN(ArrayMetadata m, ParseArrayMetadataV2(kZarray, R"({"a": 1})"));
  EXPECT_EQ(m.zarr_format, 2);
  EXPECT_THAT(m.shape, ElementsAre(10, 20));
  EXPECT_THAT(m.chunk_shape, ElementsAre(5, 7));
  EXPECT_EQ(m.data_type, DataType(DataKind::kFloat, 4));
  EXPECT_EQ(m.v2_endian, Endian::kBig);
  EXPECT_EQ(Hex(m.fill_value.bytes()), "0000c07f");
  EXPECT_EQ(m.v2_order, 'F');
  ASSERT_TRUE(m.v2_compressor.has_value());
  EXPECT_EQ(m.v2_compressor->name, "zlib");
  ASSERT_EQ(m.v2_filters.size(), 1u);
  EXPECT_EQ(m.v2_filters[0].name, "delta");
  EXPECT_EQ(m.chunk_key_encoding.kind, ChunkKeyEncoding::Kind::kV2);
  EXPECT_EQ(m.chunk_key_encoding.separator, '/');
  EXPECT_EQ(m.attributes_json, R"({"a":1})");
}

TEST(MetadataV2, DefaultsToDotSeparatorAndNoAttributes) {
  std::string text = Replace(kZarray, R"(, "dimension_separator": "/")", "");
  ASSERT_OK_AND_ASSIGN(ArrayMetadata m, ParseArrayMetadataV2(text, ""));
  EXPECT_EQ(m.chunk_key_encoding.separator, '.');
  EXPECT_EQ(m.attributes_json, "{}");
}

TEST(MetadataV2, RejectsMalformedDocuments) {
  const auto bad = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(ParseArrayMetadataV2(kZarray.substr(0, 40), ""), StatusIs(bad, HasSubstr("JSON")));
  EXPECT_THAT(ParseArrayMetadataV2(Replace(kZarray, "[5, 7]", "[5]"), ""),
              StatusIs(bad, HasSubstr("dimensions")));
  EXPECT_THAT(ParseArrayMetadataV2(Replace(kZarray, "[5, 7]", "[5, 0]"), ""),
              StatusIs(bad, HasSubstr("positive")));
  EXPECT_THAT(ParseArrayMetadataV2(Replace(kZarray, "[10, 20]", "[10, -2]"), ""),
              StatusIs(bad, HasSubstr("shape")));
  EXPECT_THAT(ParseArrayMetadataV2(Replace(kZarray, R"("F")", R"("K")"), ""),
              StatusIs(bad, HasSubstr("order")));
  EXPECT_THAT(ParseArrayMetadataV2(Replace(kZarray, R"("zarr_format": 2)", R"("zarr_format": "2")"), ""),
              StatusIs(bad, HasSubstr("zarr_format")));
  EXPECT_THAT(ParseArrayMetadataV2(Replace(kZarray, R"("NaN")", R"("x")"), ""),
              StatusIs(bad, HasSubstr("fill_value")));
  EXPECT_THAT(ParseArrayMetadataV2(Replace(kZarray, R"("id": "zlib", )", ""), ""),
              StatusIs(bad, HasSubstr("id")));
  EXPECT_THAT(ParseArrayMetadataV2(Replace(kZarray, R"("dtype": ">f4")", R"("dtype": "|O")"), ""),
              StatusIsCode(absl::StatusCode::kUnimplemented));
  EXPECT_THAT(ParseArrayMetadataV2(kZarray, "[1]"), StatusIs(bad, HasSubstr(".zattrs")));
  EXPECT_THAT(ParseArrayMetadataV2("[]", ""), StatusIs(bad, HasSubstr("object")));
}

TEST(MetadataV3, ParsesEveryField) {
  ASSERT_OK_AND_ASSIGN(ArrayMetadata m, ParseArrayMetadataV3(kZarrJson));
  EXPECT_EQ(m.zarr_format, 3);
  EXPECT_THAT(m.shape, ElementsAre(8, 24));
  EXPECT_THAT(m.chunk_shape, ElementsAre(4, 6));
  EXPECT_EQ(m.data_type, DataType(DataKind::kInt, 2));
  EXPECT_EQ(Hex(m.fill_value.bytes()), "ffff");
  EXPECT_EQ(m.chunk_key_encoding.kind, ChunkKeyEncoding::Kind::kDefault);
  EXPECT_EQ(m.chunk_key_encoding.separator, '.');
  ASSERT_EQ(m.codecs.size(), 2u);
  EXPECT_EQ(m.codecs[1].name, "zstd");
  EXPECT_EQ(m.codecs[1].configuration_json, R"({"level":3})");
  ASSERT_EQ(m.dimension_names.size(), 2u);
  EXPECT_EQ(m.dimension_names[0], "y");
  EXPECT_EQ(m.dimension_names[1], std::nullopt);
  EXPECT_EQ(m.attributes_json, R"({"units":"K"})");
  EXPECT_THAT(NodeTypeV3(kZarrJson), ::zring::testing::IsOk());
}

TEST(MetadataV3, RefusesStorageTransformersAndOtherGrids) {
  EXPECT_THAT(ParseArrayMetadataV3(Replace(kZarrJson, R"("storage_transformers": [])",
                                           R"("storage_transformers": [{"name": "x"}])")),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("storage_transformers")));
  EXPECT_THAT(ParseArrayMetadataV3(Replace(kZarrJson, R"("name": "regular")",
                                           R"("name": "rectangular")")),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("rectangular")));
}

TEST(MetadataV3, RejectsMalformedDocuments) {
  const auto bad = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(ParseArrayMetadataV3(kZarrJson.substr(0, kZarrJson.size() - 3)),
              StatusIs(bad, HasSubstr("JSON")));
  EXPECT_THAT(ParseArrayMetadataV3(Replace(kZarrJson, "[4, 6]", "[4, 6, 1]")),
              StatusIs(bad, HasSubstr("dimensions")));
  EXPECT_THAT(ParseArrayMetadataV3(Replace(kZarrJson, R"("int16")", R"("int17")")),
              StatusIs(bad, HasSubstr("int17")));
  EXPECT_THAT(ParseArrayMetadataV3(Replace(kZarrJson, R"("fill_value": -1)", R"("fill_value": 1e9)")),
              StatusIs(bad, HasSubstr("fill_value")));
  EXPECT_THAT(ParseArrayMetadataV3(Replace(kZarrJson, R"("separator": ".")", R"("separator": "-")")),
              StatusIs(bad, HasSubstr("separator")));
  EXPECT_THAT(ParseArrayMetadataV3(Replace(kZarrJson, R"(["y", null])", R"(["y"])")),
              StatusIs(bad, HasSubstr("dimension_names")));
  EXPECT_THAT(ParseArrayMetadataV3(Replace(kZarrJson, R"("zarr_format": 3)", R"("zarr_format": 2)")),
              StatusIs(bad, HasSubstr("expected 3")));
  EXPECT_THAT(ParseArrayMetadataV3(Replace(kZarrJson, R"("node_type": "array")", R"("node_type": "group")")),
              StatusIs(bad, HasSubstr("array")));
  EXPECT_THAT(ParseArrayMetadataV3(Replace(kZarrJson, R"({"name": "zstd", "configuration": {"level": 3}})",
                                           R"(42)")),
              StatusIs(bad, HasSubstr("codec")));
}

TEST(MetadataV3, ParsesGroupsAndConsolidatedMetadata) {
  constexpr std::string_view group = R"({"zarr_format": 3, "node_type": "group",
    "attributes": {"x": [1]}, "consolidated_metadata": {"kind": "inline", "must_understand": false,
    "metadata": {"a": {"zarr_format": 3, "node_type": "group"}, "a/b": {"zarr_format": 3}}}})";
  ASSERT_OK_AND_ASSIGN(NodeType type, NodeTypeV3(group));
  EXPECT_EQ(type, NodeType::kGroup);
  ASSERT_OK_AND_ASSIGN(GroupMetadata g, ParseGroupMetadataV3(group));
  EXPECT_EQ(g.attributes_json, R"({"x":[1]})");
  ASSERT_OK_AND_ASSIGN(auto entries, ParseConsolidatedV3(group));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries["a/b"].zarray_or_zarr_json, R"({"zarr_format":3})");
}

TEST(MetadataV2, ParsesConsolidatedMetadata) {
  constexpr std::string_view zmeta = R"({"zarr_consolidated_format": 1, "metadata": {
    ".zgroup": {"zarr_format": 2}, "g/.zgroup": {"zarr_format": 2},
    "g/x/.zarray": {"zarr_format": 2}, "g/x/.zattrs": {"k": "v"}}})";
  ASSERT_OK_AND_ASSIGN(auto entries, ParseConsolidatedV2(zmeta));
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[""].zgroup, R"({"zarr_format":2})");
  EXPECT_EQ(entries["g/x"].zattrs, R"({"k":"v"})");
  EXPECT_EQ(entries["g/x"].zarray_or_zarr_json, R"({"zarr_format":2})");
  EXPECT_THAT(ParseConsolidatedV2(R"({"metadata": 3})"),
              StatusIsCode(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(GroupMetadata g, ParseGroupMetadataV2(R"({"zarr_format": 2})", ""));
  EXPECT_EQ(g.zarr_format, 2);
}

}  // namespace
}  // namespace zring::zarr
