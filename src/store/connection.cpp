#include "store/connection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace minewatch::store {

bool Rows::is_null(std::size_t row, std::size_t col) const {
  return std::holds_alternative<std::monostate>(at(row, col));
}

std::int64_t Rows::int64(std::size_t row, std::size_t col) const {
  const auto& v = at(row, col);
  if (auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  if (auto* s = std::get_if<std::string>(&v)) {
    std::int64_t out = 0;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), out);
    if (ec == std::errc{} && p == s->data() + s->size()) return out;
    return static_cast<std::int64_t>(std::strtod(s->c_str(), nullptr));  // "12.0" from an aggregate
  }
  return 0;
}

double Rows::real(std::size_t row, std::size_t col) const {
  const auto& v = at(row, col);
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (auto* s = std::get_if<std::string>(&v)) return std::strtod(s->c_str(), nullptr);
  return 0;
}

std::string Rows::text(std::size_t row, std::size_t col) const {
  const auto& v = at(row, col);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) return std::to_string(*d);
  return {};
}

bool is_postgres_target(std::string_view t) {
  return t.starts_with("postgresql://") || t.starts_with("postgres://") ||
         t.find("dbname=") != std::string_view::npos || t.starts_with("host=");
}

std::string upsert_clause(std::span<const std::string_view> columns, std::span<const std::string_view> key) {
  if (key.empty()) return {};
  std::string sets;
  for (auto c : columns) {
    if (std::find(key.begin(), key.end(), c) != key.end()) continue;
    sets += fmt::format("{}{} = excluded.{}", sets.empty() ? "" : ", ", c, c);
  }
  if (sets.empty()) return fmt::format(" ON CONFLICT ({}) DO NOTHING", fmt::join(key, ", "));
  return fmt::format(" ON CONFLICT ({}) DO UPDATE SET {}", fmt::join(key, ", "), sets);
}

Result<std::unique_ptr<Connection>> open_connection(const std::string& target) {
  if (target.empty()) return make_error("no database given");
  if (is_postgres_target(target)) return open_postgres(target);
  if (target.starts_with("sqlite:")) return open_sqlite(target.substr(7));
  return open_sqlite(target);
}

}  // namespace minewatch::store
