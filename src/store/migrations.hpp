#pragma once
// Numbered schema migrations (schema/sql/NNNN_name.sql, embedded at build time), applied in order
// on open, each in its own transaction together with its row in schema_version.
#include <span>
#include <string_view>

#include "core/result.hpp"
#include "store/connection.hpp"

namespace minewatch::store {

struct MigrationText {
  std::string_view file;  // "0001_init.sql"
  std::string_view sql;
};

// Every migration known to this binary, in file-name order (generated).
std::span<const MigrationText> migration_texts();

// The migration text for a dialect: @ID@ becomes the backend's auto-numbered primary key.
std::string dialect_sql(std::string_view sql, Dialect dialect);

// Brings the schema up to the newest version; returns the version now in force. Refuses a database
// whose schema is newer than this binary. Safe when several processes open the store at once.
[[nodiscard]] Result<int> migrate(Connection& db);

// Highest version this binary knows.
int latest_schema_version();

}  // namespace minewatch::store
