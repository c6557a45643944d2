#include "registry/csv.hpp"

namespace minewatch::registry {

CsvReader::CsvReader(std::string_view text, char separator) : text_(text), separator_(separator) {
  if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
}

bool CsvReader::next(CsvRecord& record) {
  record.fields.clear();
  record.error.clear();
  // Skip blank lines.
  while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
    if (text_[pos_] == '\n') ++line_;
    ++pos_;
  }
  if (pos_ >= text_.size()) return false;
  record.line = line_;
  std::string field;
  bool in_quotes = false;
  bool quoted = false;  // this field started with a quote
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (in_quotes) {
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          field += '"';
          pos_ += 2;
          continue;
        }
        in_quotes = false;
        ++pos_;
        continue;
      }
      if (c == '\n' || c == '\r') {
        // Registry rows never span lines; ending the record here lets the next row load.
        in_quotes = false;
        record.error = "unterminated quoted field";
        continue;
      }
      field += c;
      ++pos_;
      continue;
    }
    if (c == '"' && field.empty() && !quoted) {
      in_quotes = true;
      quoted = true;
      ++pos_;
      continue;
    }
    if (c == separator_) {
      record.fields.push_back(std::move(field));
      field.clear();
      quoted = false;
      ++pos_;
      continue;
    }
    if (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
      ++pos_;
      continue;
    }
    if (c == '\n') {
      ++pos_;
      ++line_;
      record.fields.push_back(std::move(field));
      return true;
    }
    field += c;
    ++pos_;
  }
  if (in_quotes) record.error = "unterminated quoted field";
  record.fields.push_back(std::move(field));
  return true;
}

}  // namespace minewatch::registry
