#pragma once
// A database connection seen through the little SQL both backends share: parameterised statements
// ($1, $2, ... placeholders), typed values, transactions and a bulk path (multi-row INSERT in one
// transaction for SQLite, COPY for PostgreSQL). The Store is written once on top of this.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"

namespace minewatch::store {

enum class Dialect { Sqlite, Postgres };

// NULL, integer, real or text.
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

// A query result: rows of cells. PostgreSQL returns text; the accessors convert.
class Rows {
 public:
  Rows() = default;
  explicit Rows(std::size_t columns) : columns_(columns) {}
  // In-place construction (moving a temporary variant trips GCC 12's -Wmaybe-uninitialized).
  void push_null() { cells_.emplace_back(std::in_place_type<std::monostate>); }
  void push_int(std::int64_t v) { cells_.emplace_back(std::in_place_type<std::int64_t>, v); }
  void push_real(double v) { cells_.emplace_back(std::in_place_type<double>, v); }
  void push_text(const char* p, std::size_t n) { cells_.emplace_back(std::in_place_type<std::string>, p, n); }
  [[nodiscard]] std::size_t size() const { return columns_ ? cells_.size() / columns_ : 0; }
  [[nodiscard]] bool empty() const { return size() == 0; }
  [[nodiscard]] std::size_t columns() const { return columns_; }
  [[nodiscard]] bool is_null(std::size_t row, std::size_t col) const;
  [[nodiscard]] std::int64_t int64(std::size_t row, std::size_t col) const;
  [[nodiscard]] double real(std::size_t row, std::size_t col) const;
  [[nodiscard]] std::string text(std::size_t row, std::size_t col) const;

 private:
  [[nodiscard]] const Value& at(std::size_t row, std::size_t col) const { return cells_[row * columns_ + col]; }
  std::size_t columns_ = 0;
  std::vector<Value> cells_;
};

class Connection {
 public:
  virtual ~Connection() = default;
  [[nodiscard]] virtual Dialect dialect() const = 0;
  // Several statements without parameters (migrations).
  [[nodiscard]] virtual Result<void> exec_script(std::string_view sql) = 0;
  // One statement; parameters are bound, never spliced into the text. Statements are prepared once
  // and reused.
  [[nodiscard]] virtual Result<Rows> query(std::string_view sql, std::span<const Value> params = {}) = 0;
  // Inserts rows (each `columns.size()` values, flattened) into a table; a row whose `key` columns
  // match an existing row replaces that row's other columns (no key: plain insert). The keys within
  // one call must be distinct. SQLite: one prepared upsert per row; PostgreSQL: COPY into a
  // temporary staging table, then one INSERT ... ON CONFLICT.
  [[nodiscard]] virtual Result<void> bulk_upsert(std::string_view table, std::span<const std::string_view> columns,
                                                 std::span<const std::string_view> key,
                                                 std::span<const Value> values) = 0;
  [[nodiscard]] virtual Result<void> begin() = 0;
  [[nodiscard]] virtual Result<void> commit() = 0;
  virtual void rollback() = 0;
  // Where the data lives, for messages (file path or a password-free connection string).
  [[nodiscard]] virtual const std::string& name() const = 0;

  [[nodiscard]] Result<void> exec(std::string_view sql, std::span<const Value> params = {}) {
    auto r = query(sql, params);
    if (!r) return std::unexpected(r.error());
    return {};
  }
};

// Opens an SQLite file (created when missing; WAL journal).
[[nodiscard]] Result<std::unique_ptr<Connection>> open_sqlite(const std::string& path);
// Opens a PostgreSQL connection from a libpq URI or keyword/value string.
[[nodiscard]] Result<std::unique_ptr<Connection>> open_postgres(const std::string& conninfo);
// "postgresql://..." / "postgres://..." / "host=... dbname=..." → PostgreSQL; anything else is an
// SQLite path ("sqlite:" prefix optional).
[[nodiscard]] Result<std::unique_ptr<Connection>> open_connection(const std::string& target);
[[nodiscard]] bool is_postgres_target(std::string_view target);

// "ON CONFLICT (k1, k2) DO UPDATE SET c = excluded.c, ..." for the non-key columns ("DO NOTHING" when
// every column is a key); empty when there is no key.
[[nodiscard]] std::string upsert_clause(std::span<const std::string_view> columns,
                                        std::span<const std::string_view> key);

}  // namespace minewatch::store
