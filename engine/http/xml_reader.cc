// The XML reader: a recursive-descent scanner over a string_view with an explicit position;
// every access goes through Peek/StartsWith, which check the bounds.
#include "engine/http/xml_reader.h"

#include <cstdint>

#include "absl/status/status.h"
#include "engine/status.h"
#include "fmt/format.h"

namespace zring::engine::http {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == ':' || c == '-' || c == '.' || static_cast<unsigned char>(c) >= 0x80;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// XML 1.0's Char production.
bool IsXmlChar(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  absl::StatusOr<XmlElement> Document() {
    if (StartsWith("\xEF\xBB\xBF")) pos_ += 3;  // UTF-8 byte order mark
    ZRING_RETURN_IF_ERROR(SkipMisc());
    if (StartsWith("<!")) return Error("document type declarations are not accepted");
    if (!StartsWith("<")) return Error("expected the root element");
    XmlElement root;
    ZRING_RETURN_IF_ERROR(Element(1, &root));
    ZRING_RETURN_IF_ERROR(SkipMisc());
    if (pos_ != in_.size()) return Error("unexpected content after the root element");
    return root;
  }

 private:
  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(fmt::format("malformed XML at byte {}: {}", pos_, what));
  }

  bool StartsWith(std::string_view s) const { return in_.substr(pos_).substr(0, s.size()) == s; }
  bool AtEnd() const { return pos_ >= in_.size(); }
  char Peek() const { return pos_ < in_.size() ? in_[pos_] : '\0'; }
  void SkipSpace() {
    while (pos_ < in_.size() && IsSpace(in_[pos_])) ++pos_;
  }

  // Moves past the next `end`; false when there is none.
  bool SkipPast(std::string_view end) {
    size_t at = in_.find(end, pos_);
    if (at == std::string_view::npos) return false;
    pos_ = at + end.size();
    return true;
  }

  // Whitespace, comments and processing instructions (before and after the root element).
  absl::Status SkipMisc() {
    for (;;) {
      SkipSpace();
      if (StartsWith("<!--")) {
        if (!SkipPast("-->")) return Error("unterminated comment");
      } else if (StartsWith("<?")) {
        if (!SkipPast("?>")) return Error("unterminated processing instruction");
      } else {
        return absl::OkStatus();
      }
    }
  }

  absl::StatusOr<std::string_view> Name() {
    size_t start = pos_;
    while (pos_ < in_.size() && IsNameChar(in_[pos_])) ++pos_;
    if (pos_ == start) return Error("expected a name");
    return in_.substr(start, pos_ - start);
  }

  static std::string LocalName(std::string_view name) {
    size_t colon = name.rfind(':');
    return std::string(colon == std::string_view::npos ? name : name.substr(colon + 1));
  }

  // After '&': one entity or character reference, appended to `out`.
  absl::Status Reference(std::string* out) {
    size_t semi = in_.find(';', pos_);
    if (semi == std::string_view::npos || semi - pos_ > 12) {
      return Error("'&' must start an entity such as &amp;");
    }
    std::string_view ref = in_.substr(pos_, semi - pos_);
    pos_ = semi + 1;
    if (ref == "amp") {
      out->push_back('&');
    } else if (ref == "lt") {
      out->push_back('<');
    } else if (ref == "gt") {
      out->push_back('>');
    } else if (ref == "quot") {
      out->push_back('"');
    } else if (ref == "apos") {
      out->push_back('\'');
    } else if (ref.size() >= 2 && ref[0] == '#') {
      bool hex = ref[1] == 'x';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      if (digits.empty()) return Error("empty character reference");
      for (char c : digits) {
        int d = (c >= '0' && c <= '9')             ? c - '0'
                : hex && (c >= 'a' && c <= 'f')    ? c - 'a' + 10
                : hex && (c >= 'A' && c <= 'F')    ? c - 'A' + 10
                                                   : -1;
        if (d < 0) return Error(fmt::format("bad character reference &{};", ref));
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
        if (cp > 0x10FFFF) break;
      }
      if (!IsXmlChar(cp)) {
        return Error(fmt::format("&{}; is not a character XML allows", ref));
      }
      AppendUtf8(cp, out);
    } else {
      return Error(fmt::format("unknown entity &{};", ref));
    }
    return absl::OkStatus();
  }

  absl::Status Attributes(bool* empty_element) {
    for (;;) {
      SkipSpace();
      if (AtEnd()) return Error("unterminated start tag");
      if (StartsWith("/>")) {
        pos_ += 2;
        *empty_element = true;
        return absl::OkStatus();
      }
      if (Peek() == '>') {
        ++pos_;
        *empty_element = false;
        return absl::OkStatus();
      }
      ZRING_RETURN_IF_ERROR(Name().status());
      SkipSpace();
      if (Peek() != '=') return Error("expected '=' after an attribute name");
      ++pos_;
      SkipSpace();
      char quote = Peek();
      if (quote != '"' && quote != '\'') return Error("expected a quoted attribute value");
      ++pos_;
      size_t close = in_.find(quote, pos_);
      if (close == std::string_view::npos) return Error("unterminated attribute value");
      if (in_.substr(pos_, close - pos_).find('<') != std::string_view::npos) {
        return Error("'<' in an attribute value");
      }
      pos_ = close + 1;
    }
  }

  // At '<' of a start tag.
  absl::Status Element(int depth, XmlElement* element) {
    if (depth > kMaxXmlDepth) return Error("elements nested deeper than 32 levels");
    ++pos_;
    ZRING_ASSIGN_OR_RETURN(std::string_view name, Name());
    element->name = LocalName(name);
    bool empty = false;
    ZRING_RETURN_IF_ERROR(Attributes(&empty));
    if (empty) return absl::OkStatus();
    for (;;) {
      if (AtEnd()) return Error(fmt::format("<{}> is never closed", name));
      char c = Peek();
      if (c == '&') {
        ++pos_;
        ZRING_RETURN_IF_ERROR(Reference(&element->text));
      } else if (c != '<') {
        size_t end = in_.find_first_of("<&", pos_);
        if (end == std::string_view::npos) end = in_.size();
        element->text.append(in_.substr(pos_, end - pos_));
        pos_ = end;
      } else if (StartsWith("</")) {
        pos_ += 2;
        ZRING_ASSIGN_OR_RETURN(std::string_view end_name, Name());
        if (end_name != name) {
          return Error(fmt::format("</{}> closes <{}>", end_name, name));
        }
        SkipSpace();
        if (Peek() != '>') return Error("expected '>' to end a closing tag");
        ++pos_;
        return absl::OkStatus();
      } else if (StartsWith("<!--")) {
        if (!SkipPast("-->")) return Error("unterminated comment");
      } else if (StartsWith("<![CDATA[")) {
        pos_ += 9;
        size_t end = in_.find("]]>", pos_);
        if (end == std::string_view::npos) return Error("unterminated CDATA section");
        element->text.append(in_.substr(pos_, end - pos_));
        pos_ = end + 3;
      } else if (StartsWith("<?")) {
        if (!SkipPast("?>")) return Error("unterminated processing instruction");
      } else if (StartsWith("<!")) {
        return Error("declarations are not accepted inside elements");
      } else {
        element->children.emplace_back();
        ZRING_RETURN_IF_ERROR(Element(depth + 1, &element->children.back()));
      }
    }
  }

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const XmlElement& child : children) {
    if (child.name == child_name) return &child;
  }
  return nullptr;
}

absl::StatusOr<XmlElement> ParseXml(std::string_view xml) { return Reader(xml).Document(); }

}  // namespace zring::engine::http
