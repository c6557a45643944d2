#pragma once
// RFC 4180-ish CSV (and TSV) records with their line number. Quoted fields may hold the separator and
// doubled quotes but not line breaks (a stray quote then spoils one row, not the rest of the file); CRLF and a UTF-8
// BOM are accepted; blank lines are skipped.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace minewatch::registry {

struct CsvRecord {
  std::size_t line = 0;
  std::vector<std::string> fields;
  std::string error;  // non-empty when the record is malformed (e.g. an unterminated quote)
};

class CsvReader {
 public:
  CsvReader(std::string_view text, char separator = ',');
  // False at the end of the input.
  bool next(CsvRecord& record);

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  char separator_;
};

}  // namespace minewatch::registry
