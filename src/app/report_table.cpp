#include "app/report_table.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "events/json_writer.hpp"

namespace minewatch::app {

std::optional<ReportFormat> parse_report_format(std::string_view text) {
  if (text == "table") return ReportFormat::Table;
  if (text == "csv") return ReportFormat::Csv;
  if (text == "json") return ReportFormat::Json;
  return std::nullopt;
}

std::string json_string(std::string_view s) {
  fmt::memory_buffer out;
  events::append_json_string(out, s);
  return fmt::to_string(out);
}

namespace {

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

// Display width of UTF-8 text (code points; CJK names count double).
std::size_t width(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    w += len == 3 ? 2 : 1;
    i += len;
  }
  return w;
}

}  // namespace

void ReportTable::print(std::FILE* out, ReportFormat format) const {
  switch (format) {
    case ReportFormat::Csv: {
      for (std::size_t c = 0; c < columns_.size(); ++c)
        fmt::print(out, "{}{}", c ? "," : "", csv_field(columns_[c].name));
      fmt::print(out, "\n");
      for (const auto& row : rows_) {
        for (std::size_t c = 0; c < columns_.size(); ++c) fmt::print(out, "{}{}", c ? "," : "", csv_field(row[c]));
        fmt::print(out, "\n");
      }
      return;
    }
    case ReportFormat::Json: {
      fmt::print(out, "[");
      for (std::size_t r = 0; r < rows_.size(); ++r) {
        fmt::print(out, "{}\n  {{", r ? "," : "");
        for (std::size_t c = 0; c < columns_.size(); ++c) {
          const auto& v = rows_[r][c];
          const bool raw = c < json_[r].size() && !json_[r][c].empty();
          std::string val = raw ? json_[r][c] : v.empty() ? "null" : columns_[c].numeric ? v : json_string(v);
          fmt::print(out, "{}{}: {}", c ? ", " : "", json_string(columns_[c].name), val);
        }
        fmt::print(out, "}}");
      }
      fmt::print(out, "{}]\n", rows_.empty() ? "" : "\n");
      return;
    }
    case ReportFormat::Table: {
      std::vector<std::size_t> w(columns_.size());
      for (std::size_t c = 0; c < columns_.size(); ++c) w[c] = width(columns_[c].name);
      for (const auto& row : rows_)
        for (std::size_t c = 0; c < columns_.size(); ++c) w[c] = std::max(w[c], width(row[c]));
      auto line = [&](const std::vector<std::string>& cells, bool header) {
        std::string s;
        for (std::size_t c = 0; c < columns_.size(); ++c) {
          std::string pad(w[c] - width(cells[c]), ' ');
          bool right = columns_[c].numeric && !header;
          s += (c ? "  " : "") + (right ? pad + cells[c] : cells[c] + (c + 1 < columns_.size() ? pad : ""));
        }
        fmt::print(out, "{}\n", s);
      };
      std::vector<std::string> head;
      for (const auto& c : columns_) {
        std::string h = c.name;
        std::transform(h.begin(), h.end(), h.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
        head.push_back(h);
      }
      line(head, true);
      for (const auto& row : rows_) line(row, false);
      return;
    }
  }
}

std::string format_rate(double value, std::string_view unit) {
  static constexpr std::string_view kPrefix[] = {"", "k", "M", "G", "T", "P", "E"};
  std::size_t i = 0;
  while (value >= 1000 && i + 1 < std::size(kPrefix)) {
    value /= 1000;
    ++i;
  }
  return fmt::format("{:.3g} {}{}", value, kPrefix[i], unit);
}

}  // namespace minewatch::app
