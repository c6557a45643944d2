#pragma once
// Report output: a tidy table for people, CSV or JSON (an array of objects) for machines.
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minewatch::app {

enum class ReportFormat { Table, Csv, Json };
[[nodiscard]] std::optional<ReportFormat> parse_report_format(std::string_view text);

class ReportTable {
 public:
  struct Column {
    std::string name;
    bool numeric = false;  // right-aligned; a bare number in JSON
  };
  explicit ReportTable(std::vector<Column> columns) : columns_(std::move(columns)) {}
  // One row, one cell per column (numeric cells already formatted; "" = none/null).
  void add(std::vector<std::string> cells) { add(std::move(cells), {}); }
  // Same, with JSON text that replaces a cell in --format json (an object or array where the table
  // and CSV show a summary string); `json` is empty or has one entry per column, "" = use the cell.
  void add(std::vector<std::string> cells, std::vector<std::string> json) {
    rows_.push_back(std::move(cells));
    json_.push_back(std::move(json));
  }
  [[nodiscard]] std::size_t size() const { return rows_.size(); }
  void print(std::FILE* out, ReportFormat format) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<std::vector<std::string>> json_;
};

// "1.23 TH/s", "950 H/s": SI prefixes for hashrates.
[[nodiscard]] std::string format_rate(double value, std::string_view unit);
[[nodiscard]] std::string json_string(std::string_view s);  // quoted and escaped (events/json_writer)

}  // namespace minewatch::app
