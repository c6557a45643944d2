// SQLite backend: WAL journal, prepared statements cached by their text, $N placeholders bound as ?N.
#include <fmt/format.h>
#include <sqlite3.h>

#include <unordered_map>

#include "store/connection.hpp"

namespace minewatch::store {

namespace {

// "$12" → "?12": SQLite reads $NAME as a named parameter numbered by first appearance, which
// would misnumber statements that use $2 before $1.
std::string to_sqlite_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  for (std::size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      out.push_back('?');
    } else {
      out.push_back(sql[i]);
    }
  }
  return out;
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(std::string path) : path_(std::move(path)) {}
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    if (db_) sqlite3_close_v2(db_);
  }

  Result<void> open() {
    int rc =
        sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) return make_error(fmt::format("cannot open database {}: {}", path_, errmsg()));
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 10'000);
    // WAL: readers never block the writer; synchronous=NORMAL keeps every committed transaction
    // across a process crash (kill -9); only a power loss may drop the last commits.
    if (auto r = exec_script("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                             "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;");
        !r)
      return r;
    auto mode = query("PRAGMA journal_mode", {});
    if (!mode) return std::unexpected(mode.error());
    if (mode->empty() || mode->text(0, 0) != "wal")
      return make_error(fmt::format("{}: cannot switch the database to WAL mode", path_));
    return {};
  }

  Dialect dialect() const override { return Dialect::Sqlite; }
  const std::string& name() const override { return path_; }

  Result<void> exec_script(std::string_view sql) override {
    std::string text(sql);
    char* err = nullptr;
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : errmsg();
      sqlite3_free(err);
      return make_error(fmt::format("{}: {}", path_, msg));
    }
    return {};
  }

  Result<Rows> query(std::string_view sql, std::span<const Value> params) override {
    auto stmt = prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    sqlite3_stmt* s = *stmt;
    if (auto b = bind(s, params); !b) return std::unexpected(b.error());
    Rows rows(static_cast<std::size_t>(sqlite3_column_count(s)));
    for (;;) {
      int rc = sqlite3_step(s);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        auto e = make_error(fmt::format("{}: {} (in: {})", path_, errmsg(), first_line(sql)));
        sqlite3_reset(s);
        return e;
      }
      for (int c = 0; c < sqlite3_column_count(s); ++c) {
        switch (sqlite3_column_type(s, c)) {
          case SQLITE_NULL: rows.push_null(); break;
          case SQLITE_INTEGER: rows.push_int(static_cast<std::int64_t>(sqlite3_column_int64(s, c))); break;
          case SQLITE_FLOAT: rows.push_real(sqlite3_column_double(s, c)); break;
          default: {
            const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(s, c));
            rows.push_text(t ? t : "", static_cast<std::size_t>(sqlite3_column_bytes(s, c)));
          }
        }
      }
    }
    sqlite3_reset(s);
    return rows;
  }

  Result<void> bulk_upsert(std::string_view table, std::span<const std::string_view> columns,
                           std::span<const std::string_view> key, std::span<const Value> values) override {
    if (columns.empty() || values.size() % columns.size() != 0) return make_error("bulk_insert: ragged rows");
    std::string sql = fmt::format("INSERT INTO {} ({}) VALUES (", table, fmt::join(columns, ", "));
    for (std::size_t i = 0; i < columns.size(); ++i) sql += fmt::format("{}?{}", i ? ", " : "", i + 1);
    sql += ")" + upsert_clause(columns, key);
    auto stmt = prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    for (std::size_t off = 0; off < values.size(); off += columns.size()) {
      if (auto b = bind(*stmt, values.subspan(off, columns.size())); !b) return b;
      int rc = sqlite3_step(*stmt);
      sqlite3_reset(*stmt);
      if (rc != SQLITE_DONE) return make_error(fmt::format("{}: insert into {}: {}", path_, table, errmsg()));
    }
    return {};
  }

  Result<void> begin() override { return exec_script("BEGIN IMMEDIATE"); }
  Result<void> commit() override { return exec_script("COMMIT"); }
  void rollback() override {
    if (!sqlite3_get_autocommit(db_)) (void)exec_script("ROLLBACK");
  }

 private:
  static std::string_view first_line(std::string_view sql) {
    while (!sql.empty() && (sql.front() == ' ' || sql.front() == '\n')) sql.remove_prefix(1);
    return sql.substr(0, std::min(sql.find('\n'), std::size_t{80}));
  }
  std::string errmsg() const { return db_ ? sqlite3_errmsg(db_) : "out of memory"; }

  Result<sqlite3_stmt*> prepare(std::string_view sql) {
    std::string key(sql);
    if (auto it = statements_.find(key); it != statements_.end()) return it->second;
    std::string text = to_sqlite_placeholders(sql);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
        SQLITE_OK)
      return make_error(fmt::format("{}: {} (in: {})", path_, errmsg(), first_line(sql)));
    statements_.emplace(std::move(key), s);
    return s;
  }

  Result<void> bind(sqlite3_stmt* s, std::span<const Value> params) {
    sqlite3_clear_bindings(s);
    for (std::size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      int rc = SQLITE_OK;
      const auto& v = params[i];
      if (std::holds_alternative<std::monostate>(v)) {
        rc = sqlite3_bind_null(s, idx);
      } else if (auto* n = std::get_if<std::int64_t>(&v)) {
        rc = sqlite3_bind_int64(s, idx, *n);
      } else if (auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(s, idx, *d);
      } else {
        const auto& t = std::get<std::string>(v);
        rc = sqlite3_bind_text64(s, idx, t.data(), t.size(), SQLITE_STATIC, SQLITE_UTF8);
      }
      if (rc != SQLITE_OK) return make_error(fmt::format("{}: bind parameter {}: {}", path_, idx, errmsg()));
    }
    return {};
  }

  std::string path_;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace

Result<std::unique_ptr<Connection>> open_sqlite(const std::string& path) {
  auto c = std::make_unique<SqliteConnection>(path);
  if (auto r = c->open(); !r) return std::unexpected(r.error());
  return std::unique_ptr<Connection>(std::move(c));
}

}  // namespace minewatch::store
