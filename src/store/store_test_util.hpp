#pragma once
// Fresh, empty stores for tests: an SQLite file in a temporary directory, or, when MW_TEST_PG names a
// PostgreSQL server (tests/pg/with-postgres sets it), a new database on it per test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "store/connection.hpp"
#include "store/store.hpp"

namespace minewatch::store::testing {

enum class Backend { Sqlite, Postgres };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::Sqlite ? "Sqlite" : "Postgres";
}

// A store target (path or conninfo) that is empty; removed when the object dies.
class TempTarget {
 public:
  explicit TempTarget(Backend backend) : backend_(backend) {
    static std::atomic<int> counter{0};
    int n = counter++;
    if (backend == Backend::Sqlite) {
      dir_ = std::filesystem::temp_directory_path() /
             ("mw-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(n));
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(dir_);
      target_ = (dir_ / "store.db").string();
      return;
    }
    const char* pg = std::getenv("MW_TEST_PG");
    if (!pg || !*pg) return;
    admin_ = pg;
    db_name_ = "mw_t_" + std::to_string(::getpid()) + "_" + std::to_string(n);
    auto admin = open_postgres(admin_);
    if (!admin) {
      error_ = admin.error().message;
      return;
    }
    (void)(*admin)->exec_script("DROP DATABASE IF EXISTS " + db_name_);
    if (auto r = (*admin)->exec_script("CREATE DATABASE " + db_name_); !r) {
      error_ = r.error().message;
      return;
    }
    target_ = admin_ + " dbname=" + db_name_;  // a later keyword wins in a libpq conninfo string
  }
  ~TempTarget() {
    if (backend_ == Backend::Sqlite) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    } else if (!db_name_.empty()) {
      if (auto admin = open_postgres(admin_))
        (void)(*admin)->exec_script("DROP DATABASE IF EXISTS " + db_name_ + " WITH (FORCE)");
    }
  }
  TempTarget(const TempTarget&) = delete;
  TempTarget& operator=(const TempTarget&) = delete;

  // Empty when the backend is not available (PostgreSQL without MW_TEST_PG).
  [[nodiscard]] const std::string& target() const { return target_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

 private:
  Backend backend_;
  std::filesystem::path dir_;
  std::string admin_, db_name_, target_, error_;
};

// Skips the test when the backend is not configured; fails when it is configured but broken.
#define MW_STORE_TARGET_OR_SKIP(var, backend)                                                         \
  ::minewatch::store::testing::TempTarget var(backend);                                               \
  if (var.target().empty()) {                                                                         \
    ASSERT_TRUE(var.error().empty()) << var.error();                                                  \
    GTEST_SKIP() << "PostgreSQL not configured (run under tests/pg/with-postgres to set MW_TEST_PG)"; \
  }

}  // namespace minewatch::store::testing
