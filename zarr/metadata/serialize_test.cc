// Metadata documents written by zring parse back to the same metadata (v2 and v3), codec
// presets match what zarr-python 3 writes, and CreateArray / CreateGroup write the right files.
#include <string>

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/array.h"
#include "zarr/array_writer.h"
#include "zarr/test_util.h"

namespace zring::zarr {
namespace {

using ::testing::HasSubstr;
using ::zring::testing::StatusIs;

std::string Minified(std::string_view json) {
  simdjson::dom::parser parser;
  return simdjson::minify(parser.parse(json.data(), json.size()).value());
}

void ExpectSameMetadata(const ArrayMetadata& a, const ArrayMetadata& b) {
  EXPECT_EQ(a.zarr_format, b.zarr_format);
  EXPECT_EQ(a.shape, b.shape);
  EXPECT_EQ(a.chunk_shape, b.chunk_shape);
  EXPECT_EQ(a.data_type, b.data_type) << a.data_type.Name() << " vs " << b.data_type.Name();
  EXPECT_EQ(a.v2_endian, b.v2_endian);
  EXPECT_EQ(testing::Hex(a.fill_value.bytes()), testing::Hex(b.fill_value.bytes()));
  EXPECT_EQ(a.fill_value.defined(), b.fill_value.defined());
  EXPECT_EQ(a.chunk_key_encoding.kind, b.chunk_key_encoding.kind);
  EXPECT_EQ(a.chunk_key_encoding.separator, b.chunk_key_encoding.separator);
  EXPECT_EQ(a.v2_order, b.v2_order);
  ASSERT_EQ(a.codecs.size(), b.codecs.size());
  for (size_t i = 0; i < a.codecs.size(); ++i) {
    EXPECT_EQ(a.codecs[i].name, b.codecs[i].name);
    EXPECT_EQ(Minified(a.codecs[i].configuration_json), Minified(b.codecs[i].configuration_json));
  }
  ASSERT_EQ(a.v2_filters.size(), b.v2_filters.size());
  for (size_t i = 0; i < a.v2_filters.size(); ++i) {
    EXPECT_EQ(Minified(a.v2_filters[i].configuration_json),
              Minified(b.v2_filters[i].configuration_json));
  }
  ASSERT_EQ(a.v2_compressor.has_value(), b.v2_compressor.has_value());
  if (a.v2_compressor) {
    EXPECT_EQ(Minified(a.v2_compressor->configuration_json),
              Minified(b.v2_compressor->configuration_json));
  }
  EXPECT_EQ(a.dimension_names, b.dimension_names);
  EXPECT_EQ(Minified(a.attributes_json), Minified(b.attributes_json));
}

// v3 documents: parse, write, parse again; the metadata and the written text are fixed points.
class V3RoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(V3RoundTrip, ParsesBackToTheSameMetadata) {
  ASSERT_OK_AND_ASSIGN(ArrayMetadata original, ParseArrayMetadataV3(GetParam()));
  ASSERT_OK_AND_ASSIGN(std::string text, ArrayMetadataToJsonV3(original));
  ASSERT_OK_AND_ASSIGN(ArrayMetadata parsed, ParseArrayMetadataV3(text));
  ExpectSameMetadata(original, parsed);
  ASSERT_OK_AND_ASSIGN(std::string again, ArrayMetadataToJsonV3(parsed));
  EXPECT_EQ(text, again);
  EXPECT_THAT(text, HasSubstr("\"node_type\": \"array\""));
}

std::string V3Doc(std::string_view dtype, std::string_view fill, std::string_view codecs,
                  std::string_view extra = "") {
  return std::string(R"({"zarr_format":3,"node_type":"array","shape":[10,20],"data_type":")") +
         std::string(dtype) +
         R"(","chunk_grid":{"name":"regular","configuration":{"chunk_shape":[5,4]}},)"
         R"("chunk_key_encoding":{"name":"default","configuration":{"separator":"/"}},)"
         R"("fill_value":)" + std::string(fill) + R"(,"codecs":)" + std::string(codecs) +
         std::string(extra) + "}";
}

constexpr char kBytesLe[] = R"([{"name":"bytes","configuration":{"endian":"little"}}])";

INSTANTIATE_TEST_SUITE_P(
    Documents, V3RoundTrip,
    ::testing::Values(
        V3Doc("bool", "true", R"([{"name":"bytes"}])"),
        V3Doc("int8", "-7", R"([{"name":"bytes"}])"),
        V3Doc("uint16", "65535", kBytesLe),
        V3Doc("int64", "-9223372036854775808", kBytesLe),
        V3Doc("uint64", "18446744073709551615", kBytesLe),
        V3Doc("float16", "\"-Infinity\"", kBytesLe),
        V3Doc("bfloat16", "1.5", kBytesLe),
        V3Doc("float32", "\"NaN\"", kBytesLe),
        V3Doc("float32", "0.1", kBytesLe),
        V3Doc("float64", "\"Infinity\"", kBytesLe),
        V3Doc("float64", "-1.0000000000000002e-300", kBytesLe),
        V3Doc("complex64", "[1.5, \"NaN\"]", kBytesLe),
        V3Doc("complex128", "[-2.25, 3.0]", kBytesLe),
        V3Doc("uint16", "3",
              R"([{"name":"transpose","configuration":{"order":[1,0]}},)"
              R"({"name":"bytes","configuration":{"endian":"big"}},)"
              R"({"name":"blosc","configuration":{"cname":"zstd","clevel":3,"shuffle":"bitshuffle","typesize":2,"blocksize":0}},)"
              R"({"name":"crc32c"}])"),
        V3Doc("int32", "0",
              R"([{"name":"sharding_indexed","configuration":{"chunk_shape":[5,2],)"
              R"("codecs":[{"name":"bytes","configuration":{"endian":"little"}},{"name":"zstd","configuration":{"level":3,"checksum":false}}],)"
              R"("index_codecs":[{"name":"bytes","configuration":{"endian":"little"}},{"name":"crc32c"}],"index_location":"start"}}])"),
        V3Doc("float32", "0", kBytesLe,
              R"(,"dimension_names":["time",null],"attributes":{"units":"K","q\"uote":"a\\b\n",)"
              R"("nested":{"list":[1,2.5,null,true],"empty":{}},"unicode":"\u00e9t\u00e9"})"),
        std::string(R"({"zarr_format":3,"node_type":"array","shape":[],"data_type":"uint8",)"
                    R"("chunk_grid":{"name":"regular","configuration":{"chunk_shape":[]}},)"
                    R"("chunk_key_encoding":{"name":"v2","configuration":{"separator":"."}},)"
                    R"("fill_value":9,"codecs":[{"name":"bytes"},{"name":"gzip","configuration":{"level":1}}]})")));

class V2RoundTrip : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(V2RoundTrip, ParsesBackToTheSameMetadata) {
  const auto& [zarray, zattrs] = GetParam();
  ASSERT_OK_AND_ASSIGN(ArrayMetadata original, ParseArrayMetadataV2(zarray, zattrs));
  ASSERT_OK_AND_ASSIGN(std::string text, ArrayMetadataToZarrayV2(original));
  ASSERT_OK_AND_ASSIGN(std::string attrs, AttributesToZattrsV2(original.attributes_json));
  EXPECT_EQ(attrs.empty(), zattrs.empty() || zattrs == "{}");
  ASSERT_OK_AND_ASSIGN(ArrayMetadata parsed, ParseArrayMetadataV2(text, attrs));
  ExpectSameMetadata(original, parsed);
}

std::pair<std::string, std::string> V2Doc(std::string_view dtype, std::string_view fill,
                                          std::string_view rest = R"("compressor":null)",
                                          std::string zattrs = "") {
  return {std::string(R"({"zarr_format":2,"shape":[7,9],"chunks":[3,4],"dtype":")") +
              std::string(dtype) + R"(","fill_value":)" + std::string(fill) +
              R"(,"order":"C","filters":null,)" + std::string(rest) + "}",
          std::move(zattrs)};
}

INSTANTIATE_TEST_SUITE_P(
    Documents, V2RoundTrip,
    ::testing::Values(
        V2Doc("|b1", "false"), V2Doc("|u1", "200"), V2Doc("<i2", "-3"), V2Doc(">u2", "513"),
        V2Doc("<f4", "\"NaN\""), V2Doc(">f8", "\"-Infinity\""), V2Doc("<f8", "null"),
        V2Doc("<c16", "[1.0, -2.5]"), V2Doc("<M8[ns]", "-5"), V2Doc("|S5", "\"aGVsbG8=\""),
        V2Doc("<U3", "\"\u00e9t\u00e9\""),
        V2Doc("<u2", "0",
              R"("compressor":{"id":"blosc","cname":"lz4","clevel":5,"shuffle":1,"blocksize":0},)"
              R"("dimension_separator":"/")",
              R"({"a": [1, {"b": null}], "c": "d"})"),
        std::pair<std::string, std::string>(
            R"({"zarr_format":2,"shape":[7,9],"chunks":[3,4],"dtype":"<i4","fill_value":1,)"
            R"("order":"F","filters":[{"id":"delta","dtype":"<i4"}],)"
            R"("compressor":{"id":"zstd","level":3}})", "")));

TEST(MakeArrayMetadata, WritesTheCodecJsonZarrPython3Writes) {
  SimpleArraySpec spec;
  spec.shape = {64, 64};
  spec.chunk_shape = {8, 16};
  spec.shard_shape = {32, 64};
  spec.data_type = "uint16";
  spec.codec = "blosc-lz4";
  spec.dimension_names = {std::string("y"), std::nullopt};
  ASSERT_OK_AND_ASSIGN(ArrayMetadata m, MakeArrayMetadata(spec));
  EXPECT_EQ(m.chunk_shape, (std::vector<uint64_t>{32, 64}));
  ASSERT_EQ(m.codecs.size(), 1u);
  EXPECT_EQ(m.codecs[0].name, "sharding_indexed");
  EXPECT_EQ(Minified(m.codecs[0].configuration_json),
            R"({"chunk_shape":[8,16],"codecs":[{"name":"bytes","configuration":{"endian":"little"}},)"
            R"({"name":"blosc","configuration":{"cname":"lz4","clevel":5,"shuffle":"shuffle",)"
            R"("typesize":2,"blocksize":0}}],"index_codecs":[{"name":"bytes","configuration":)"
            R"({"endian":"little"}},{"name":"crc32c"}],"index_location":"end"})");
  ASSERT_OK_AND_ASSIGN(std::string text, ArrayMetadataToJsonV3(m));
  EXPECT_THAT(text, HasSubstr(R"("dimension_names": ["y", null])"));

  spec.shard_shape.clear();
  spec.codec = "zstd+crc32c";
  spec.level = 7;
  ASSERT_OK_AND_ASSIGN(m, MakeArrayMetadata(spec));
  ASSERT_EQ(m.codecs.size(), 3u);
  EXPECT_EQ(m.codecs[1].name, "zstd");
  EXPECT_EQ(Minified(m.codecs[1].configuration_json), R"({"level":7,"checksum":false})");
  EXPECT_EQ(m.codecs[2].name, "crc32c");

  SimpleArraySpec v2 = spec;
  v2.zarr_format = 2;
  v2.dimension_names.clear();
  v2.codec = "blosc-zstd";
  v2.level = -1;
  v2.data_type = "int8";
  v2.fill_value_json = "-1";
  ASSERT_OK_AND_ASSIGN(m, MakeArrayMetadata(v2));
  ASSERT_TRUE(m.v2_compressor.has_value());
  EXPECT_EQ(Minified(m.v2_compressor->configuration_json),
            R"({"id":"blosc","cname":"zstd","clevel":5,"shuffle":2,"blocksize":0})");
  ASSERT_OK_AND_ASSIGN(text, ArrayMetadataToZarrayV2(m));
  EXPECT_EQ(Minified(text),
            R"({"zarr_format":2,"shape":[64,64],"chunks":[8,16],"dtype":"|i1","fill_value":-1,)"
            R"("order":"C","filters":null,"compressor":{"id":"blosc","cname":"zstd","clevel":5,)"
            R"("shuffle":2,"blocksize":0},"dimension_separator":"."})");
}

TEST(MakeArrayMetadata, RefusesWhatCannotBeWritten) {
  SimpleArraySpec spec;
  spec.shape = {64, 64};
  spec.chunk_shape = {8, 16};
  auto expect_error = [](SimpleArraySpec s, std::string_view what) {
    EXPECT_THAT(MakeArrayMetadata(s).status(),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(std::string(what))));
  };
  SimpleArraySpec s = spec;
  s.shard_shape = {12, 16};
  expect_error(s, "multiple of the chunks");
  s.zarr_format = 2;
  s.shard_shape = {16, 16};
  expect_error(s, "sharding needs Zarr v3");
  s = spec;
  s.codec = "snappy";
  expect_error(s, "unknown codec \"snappy\"");
  s.codec = "lz4";
  expect_error(s, "v2 only");
  s.codec = "zstd+crc32c";
  s.zarr_format = 2;
  expect_error(s, "one compressor");
  s = spec;
  s.codec = "blosc-lz4";
  s.level = 12;
  expect_error(s, "clevel");
  s = spec;
  s.chunk_shape = {8};
  expect_error(s, "dimensions");
  s = spec;
  s.data_type = "uint7";
  expect_error(s, "uint7");
  s = spec;
  s.fill_value_json = "\"abc\"";
  expect_error(s, "abc");
  s = spec;
  s.attributes_json = "[1]";
  expect_error(s, "attributes must be a JSON object");
}

TEST(ArrayMetadataToJson, RefusesMetadataTheFormatCannotHold) {
  ASSERT_OK_AND_ASSIGN(ArrayMetadata m, ParseArrayMetadataV2(V2Doc("|S5", "null").first, ""));
  m.zarr_format = 3;
  m.codecs = {CodecSpec{"bytes", "{}"}};
  EXPECT_THAT(ArrayMetadataToJsonV3(m).status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                                          HasSubstr("no Zarr v3 name")));
  ASSERT_OK_AND_ASSIGN(m, ParseArrayMetadataV3(V3Doc("bfloat16", "0", kBytesLe)));
  EXPECT_THAT(ArrayMetadataToZarrayV2(m).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bfloat16")));
  m.codecs.clear();
  EXPECT_THAT(ArrayMetadataToJsonV3(m).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at least one codec")));
}

TEST(CreateArray, WritesMetadataOnlyAndRefusesExistingNodes) {
  MemoryStore store;
  SimpleArraySpec spec;
  spec.zarr_format = 2;
  spec.shape = {10};
  spec.chunk_shape = {4};
  ASSERT_OK_AND_ASSIGN(ArrayMetadata m, MakeArrayMetadata(spec));
  ASSERT_OK(CreateArray(store, "/a/b/", m));
  ASSERT_OK_AND_ASSIGN(auto keys, store.ListRecursive(""));
  ASSERT_EQ(keys.size(), 1u);  // no .zattrs without attributes, no chunks
  EXPECT_EQ(keys[0].key, "a/b/.zarray");
  EXPECT_THAT(CreateArray(store, "a/b", m),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("\"/a/b\"")));
  ASSERT_OK(CreateGroup(store, "a", GroupMetadata{2, "{}"}));
  EXPECT_THAT(CreateGroup(store, "a", GroupMetadata{2, "{}"}),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("a/.zgroup")));

  // Overwriting as v3 with attributes removes the v2 documents.
  spec.zarr_format = 3;
  spec.attributes_json = R"({"k": 1})";
  ASSERT_OK_AND_ASSIGN(m, MakeArrayMetadata(spec));
  ASSERT_OK(CreateArray(store, "a/b", m, {.overwrite_metadata = true}));
  ASSERT_OK_AND_ASSIGN(keys, store.ListRecursive("a/b"));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].key, "a/b/zarr.json");
  ASSERT_OK_AND_ASSIGN(auto array, Array::Open(store, "a/b"));
  EXPECT_EQ(array->metadata().attributes_json, R"({"k":1})");

  // A codec chain that cannot be built writes nothing.
  m.codecs.push_back(CodecSpec{"no-such-codec", "{}"});
  EXPECT_THAT(CreateArray(store, "c", m),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no-such-codec")));
  ASSERT_OK_AND_ASSIGN(keys, store.ListRecursive("c"));
  EXPECT_TRUE(keys.empty());

  // v2 attributes go to .zattrs; a v3 group document carries them inline.
  spec.zarr_format = 2;
  ASSERT_OK_AND_ASSIGN(m, MakeArrayMetadata(spec));
  ASSERT_OK(CreateArray(store, "d", m));
  ASSERT_OK_AND_ASSIGN(Buffer zattrs, store.Get("d/.zattrs"));
  EXPECT_EQ(Minified(std::string_view(reinterpret_cast<const char*>(zattrs.data()), zattrs.size())),
            R"({"k":1})");
  ASSERT_OK(CreateGroup(store, "", GroupMetadata{3, R"({"title": "t"})"}));
  ASSERT_OK_AND_ASSIGN(Buffer group, store.Get("zarr.json"));
  ASSERT_OK_AND_ASSIGN(GroupMetadata g, ParseGroupMetadataV3(std::string_view(
                                            reinterpret_cast<const char*>(group.data()), group.size())));
  EXPECT_EQ(g.attributes_json, R"({"title":"t"})");
}

}  // namespace
}  // namespace zring::zarr
