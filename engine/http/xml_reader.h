// A small, strict XML reader for the short documents object stores answer with (S3
// ListBucketResult and Error). Reads the whole document into a tree of elements.
//
// Supported: the XML declaration and processing instructions (skipped), comments (skipped),
// elements with attributes (names and values checked, then dropped), text with the five
// predefined entities and &#NN; / &#xNN; character references decoded to UTF-8, CDATA
// sections. Refused (InvalidArgument with the byte offset): document type declarations (so no
// entity expansion), mismatched or unclosed tags, unknown entities, references to characters
// XML forbids, more than 32 levels of nesting, anything after the root element but comments,
// processing instructions and whitespace. Never reads outside the input.
#ifndef ZRING_ENGINE_HTTP_XML_READER_H_
#define ZRING_ENGINE_HTTP_XML_READER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace zring::engine::http {

struct XmlElement {
  std::string name;   // local name: a namespace prefix ("s3:Key") is dropped
  std::string text;   // the element's own character data, concatenated, entities decoded
  std::vector<XmlElement> children;

  // The first child called `name`; null when there is none.
  const XmlElement* Child(std::string_view child_name) const;
};

inline constexpr int kMaxXmlDepth = 32;

absl::StatusOr<XmlElement> ParseXml(std::string_view xml);

}  // namespace zring::engine::http

#endif  // ZRING_ENGINE_HTTP_XML_READER_H_
