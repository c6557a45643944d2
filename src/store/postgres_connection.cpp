// PostgreSQL backend (libpq): statements prepared once per connection and executed with bound text
// parameters; bulk loads through COPY FROM STDIN.
#include <fmt/format.h>
#include <libpq-fe.h>

#include <cmath>
#include <memory>
#include <unordered_map>

#include "store/connection.hpp"

namespace minewatch::store {

namespace {

struct ResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultFree>;

std::string trim_message(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Text form of a parameter; nullopt for NULL.
bool to_text(const Value& v, std::string& out) {
  if (std::holds_alternative<std::monostate>(v)) return false;
  if (auto* i = std::get_if<std::int64_t>(&v)) {
    out = std::to_string(*i);
  } else if (auto* d = std::get_if<double>(&v)) {
    if (std::isnan(*d)) {
      out = "NaN";
    } else if (std::isinf(*d)) {
      out = *d > 0 ? "Infinity" : "-Infinity";
    } else {
      out = fmt::format("{}", *d);
    }
  } else {
    out = std::get<std::string>(v);
  }
  return true;
}

void append_copy_field(std::string& buf, const Value& v) {
  std::string text;
  if (!to_text(v, text)) {
    buf += "\\N";
    return;
  }
  for (char c : text) {
    switch (c) {
      case '\\': buf += "\\\\"; break;
      case '\t': buf += "\\t"; break;
      case '\n': buf += "\\n"; break;
      case '\r': buf += "\\r"; break;
      default: buf.push_back(c);
    }
  }
}

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  ~PostgresConnection() override {
    if (conn_) PQfinish(conn_);
  }

  Result<void> open() {
    conn_ = PQconnectdb(conninfo_.c_str());
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      return make_error(fmt::format("cannot connect to PostgreSQL: {}", trim_message(PQerrorMessage(conn_))));
    }
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    const char* host = PQhost(conn_);
    std::string_view h = host ? host : "";
    name_ = h.starts_with('/') ? fmt::format("postgresql:///{}?host={}", PQdb(conn_), h)
                               : fmt::format("postgresql://{}:{}/{}", h, PQport(conn_), PQdb(conn_));
    return exec_script("SET client_min_messages = warning");
  }

  Dialect dialect() const override { return Dialect::Postgres; }
  const std::string& name() const override { return name_; }

  Result<void> exec_script(std::string_view sql) override {
    std::string text(sql);
    PgResult r(PQexec(conn_, text.c_str()));
    auto st = PQresultStatus(r.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
      return make_error(fmt::format("{}: {}", name_, trim_message(PQresultErrorMessage(r.get()))));
    return {};
  }

  Result<Rows> query(std::string_view sql, std::span<const Value> params) override {
    auto stmt = prepare(sql, static_cast<int>(params.size()));
    if (!stmt) return std::unexpected(stmt.error());
    std::vector<std::string> texts(params.size());
    std::vector<const char*> ptrs(params.size(), nullptr);
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (to_text(params[i], texts[i])) ptrs[i] = texts[i].c_str();
    }
    PgResult r(PQexecPrepared(conn_, stmt->c_str(), static_cast<int>(params.size()), ptrs.data(), nullptr, nullptr, 0));
    auto st = PQresultStatus(r.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
      return make_error(fmt::format("{}: {}", name_, trim_message(PQresultErrorMessage(r.get()))));
    int nrows = PQntuples(r.get()), ncols = PQnfields(r.get());
    Rows rows(static_cast<std::size_t>(ncols));
    for (int i = 0; i < nrows; ++i) {
      for (int c = 0; c < ncols; ++c) {
        if (PQgetisnull(r.get(), i, c)) {
          rows.push_null();
        } else {
          rows.push_text(PQgetvalue(r.get(), i, c), static_cast<std::size_t>(PQgetlength(r.get(), i, c)));
        }
      }
    }
    return rows;
  }

  Result<void> bulk_upsert(std::string_view table, std::span<const std::string_view> columns,
                           std::span<const std::string_view> key, std::span<const Value> values) override {
    if (columns.empty() || values.size() % columns.size() != 0) return make_error("bulk_upsert: ragged rows");
    if (key.empty()) return copy_in(table, columns, values);
    // COPY cannot resolve conflicts: stage the rows, then upsert them in one statement.
    std::string stage = fmt::format("mw_stage_{}", table);
    // Only the loaded columns, without constraints (an identity column would be NOT NULL there).
    if (auto r = exec_script(fmt::format("CREATE TEMP TABLE IF NOT EXISTS {0} AS SELECT {1} FROM {2} WITH NO DATA; "
                                         "TRUNCATE {0}",
                                         stage, fmt::join(columns, ", "), table));
        !r)
      return r;
    if (auto r = copy_in(stage, columns, values); !r) return r;
    return exec_script(fmt::format("INSERT INTO {0} ({1}) SELECT {1} FROM {2}{3}", table, fmt::join(columns, ", "),
                                   stage, upsert_clause(columns, key)));
  }

  Result<void> copy_in(std::string_view table, std::span<const std::string_view> columns,
                       std::span<const Value> values) {
    std::string copy = fmt::format("COPY {} ({}) FROM STDIN", table, fmt::join(columns, ", "));
    PgResult start(PQexec(conn_, copy.c_str()));
    if (PQresultStatus(start.get()) != PGRES_COPY_IN)
      return make_error(fmt::format("{}: {}", name_, trim_message(PQresultErrorMessage(start.get()))));
    std::string buf;
    buf.reserve(1 << 20);
    bool failed = false;
    for (std::size_t i = 0; i < values.size(); ++i) {
      append_copy_field(buf, values[i]);
      buf.push_back((i + 1) % columns.size() == 0 ? '\n' : '\t');
      if (buf.size() >= (1 << 20) - 4096) {
        if (PQputCopyData(conn_, buf.data(), static_cast<int>(buf.size())) != 1) failed = true;
        buf.clear();
      }
    }
    if (!buf.empty() && PQputCopyData(conn_, buf.data(), static_cast<int>(buf.size())) != 1) failed = true;
    PQputCopyEnd(conn_, failed ? "client failed to send rows" : nullptr);
    std::string err;
    while (PGresult* r = PQgetResult(conn_)) {
      PgResult owned(r);
      if (PQresultStatus(r) != PGRES_COMMAND_OK) err = trim_message(PQresultErrorMessage(r));
    }
    if (!err.empty()) return make_error(fmt::format("{}: copy into {}: {}", name_, table, err));
    if (failed)
      return make_error(fmt::format("{}: copy into {}: {}", name_, table, trim_message(PQerrorMessage(conn_))));
    return {};
  }

  Result<void> begin() override { return exec_script("BEGIN"); }
  Result<void> commit() override { return exec_script("COMMIT"); }
  void rollback() override {
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) (void)exec_script("ROLLBACK");
  }

 private:
  Result<std::string> prepare(std::string_view sql, int nparams) {
    std::string key(sql);
    if (auto it = statements_.find(key); it != statements_.end()) return it->second;
    std::string stmt_name = fmt::format("mw{}", statements_.size());
    PgResult r(PQprepare(conn_, stmt_name.c_str(), key.c_str(), nparams, nullptr));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
      return make_error(fmt::format("{}: {}", name_, trim_message(PQresultErrorMessage(r.get()))));
    statements_.emplace(std::move(key), stmt_name);
    return stmt_name;
  }

  std::string conninfo_;
  std::string name_;
  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> statements_;
};

}  // namespace

Result<std::unique_ptr<Connection>> open_postgres(const std::string& conninfo) {
  auto c = std::make_unique<PostgresConnection>(conninfo);
  if (auto r = c->open(); !r) return std::unexpected(r.error());
  return std::unique_ptr<Connection>(std::move(c));
}

}  // namespace minewatch::store
