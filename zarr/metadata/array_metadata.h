// ArrayMetadata / GroupMetadata: what zring knows about a Zarr v2 or v3 node after parsing its
// metadata document(s), independent of the store it came from.
//
// Parsing (simdjson) validates everything the specs make mandatory: shape and chunk shape agree
// in rank, chunk sizes are positive, the data type and fill value are understood, codecs are
// well-formed objects. Codec parameters are kept as JSON text (CodecSpec) and checked when the
// codec chain is built (zarr/codec/codec_chain.h), so one unknown codec still lets `zring info`
// show the array. Errors are kInvalidArgument (malformed) or kUnimplemented (valid but not
// supported: variable-length strings, storage transformers, non-regular grids); the caller adds
// the store and path in front of the message.
//
//   ZRING_ASSIGN_OR_RETURN(ArrayMetadata m, ParseArrayMetadataV3(zarr_json_text));
//   ZRING_ASSIGN_OR_RETURN(ArrayMetadata m2, ParseArrayMetadataV2(zarray_text, zattrs_text));
#ifndef ZRING_ZARR_METADATA_ARRAY_METADATA_H_
#define ZRING_ZARR_METADATA_ARRAY_METADATA_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "zarr/chunk_key_encoding.h"
#include "zarr/dtype.h"
#include "zarr/fill_value.h"

namespace zring::zarr {

// One codec (v3) or filter/compressor (v2) as written in the metadata.
struct CodecSpec {
  std::string name;  // v3 name, or v2 "id"
  // v3: the "configuration" object ("{}" when absent); v2: the whole codec object.
  std::string configuration_json = "{}";
};

struct ArrayMetadata {
  int zarr_format = 3;
  std::vector<uint64_t> shape;
  std::vector<uint64_t> chunk_shape;  // the grid's chunk shape (for sharded arrays: the shard)
  DataType data_type;
  Endian v2_endian = Endian::kLittle;  // v2 only: byte order of the stored elements
  FillValue fill_value;
  ChunkKeyEncoding chunk_key_encoding;
  // v2 only. 'F' stores each chunk in Fortran order.
  char v2_order = 'C';
  std::vector<CodecSpec> v2_filters;
  std::optional<CodecSpec> v2_compressor;
  // v3 only: the codec pipeline in metadata order.
  std::vector<CodecSpec> codecs;
  std::vector<std::optional<std::string>> dimension_names;  // empty when absent
  std::string attributes_json = "{}";

  size_t ndim() const { return shape.size(); }
};

struct GroupMetadata {
  int zarr_format = 3;
  std::string attributes_json = "{}";
};

enum class NodeType : uint8_t { kArray, kGroup };

// v2: `.zarray` text plus `.zattrs` text (empty when the file is absent).
absl::StatusOr<ArrayMetadata> ParseArrayMetadataV2(std::string_view zarray,
                                                   std::string_view zattrs);
absl::StatusOr<GroupMetadata> ParseGroupMetadataV2(std::string_view zgroup,
                                                   std::string_view zattrs);
// v3: a `zarr.json` document; NodeTypeV3 tells which of the two parsers applies.
absl::StatusOr<NodeType> NodeTypeV3(std::string_view zarr_json);
absl::StatusOr<ArrayMetadata> ParseArrayMetadataV3(std::string_view zarr_json);
absl::StatusOr<GroupMetadata> ParseGroupMetadataV3(std::string_view zarr_json);

// Consolidated metadata: node path ("" for the root, "a/b" below) -> metadata documents.
// v2 `.zmetadata` holds ".zarray"/".zgroup"/".zattrs" documents per path; v3 groups may inline
// {"consolidated_metadata": {"metadata": {path: zarr.json}}} in their zarr.json.
struct ConsolidatedEntry {
  std::string zarray_or_zarr_json;  // .zarray (v2) or zarr.json (v3) text
  std::string zgroup;               // v2 .zgroup text
  std::string zattrs;               // v2 .zattrs text
};
absl::StatusOr<std::map<std::string, ConsolidatedEntry>> ParseConsolidatedV2(
    std::string_view zmetadata);
// Returns an empty map when the group has no consolidated metadata.
absl::StatusOr<std::map<std::string, ConsolidatedEntry>> ParseConsolidatedV3(
    std::string_view group_zarr_json);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_METADATA_ARRAY_METADATA_H_
