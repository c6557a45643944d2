// `minewatch store info|check --db DB`: what a store holds and whether it is consistent.
#include <fmt/format.h>

#include <memory>

#include "app/command.hpp"
#include "store/store.hpp"

namespace minewatch::app {

void add_store_command(CLI::App& cli, CommandSet& commands) {
  auto db = std::make_shared<std::string>();
  auto* st = cli.add_subcommand("store", "Inspect a store (SQLite file or PostgreSQL)");
  st->require_subcommand(1);
  auto* info = st->add_subcommand("info", "Schema version and row counts");
  auto* check =
      st->add_subcommand("check", "Check referential integrity and the host-day roll-up; exit 1 on a problem");
  for (auto* sub : {info, check})
    sub->add_option("--db", *db, "SQLite file or postgresql:// URI")->required()->envname("MINEWATCH_DB");

  auto open = [db]() -> std::unique_ptr<store::Store> {
    auto s = store::open_store(*db);
    if (!s) {
      fmt::print(stderr, "minewatch: {}\n", s.error().message);
      return nullptr;
    }
    return std::move(*s);
  };
  commands.add(info, [open] {
    auto s = open();
    if (!s) return 2;
    auto c = s->counts();
    if (!c) {
      fmt::print(stderr, "minewatch: {}\n", c.error().message);
      return 2;
    }
    fmt::print("store          {}\nschema version {}\n", s->name(), s->schema_version());
    fmt::print(
        "captures       {}\nhosts          {}\npools          {}\nsessions       {}\nevidence       {}\n"
        "host-days      {}\n",
        c->captures, c->hosts, c->pools, c->sessions, c->evidence, c->host_days);
    return 0;
  });
  commands.add(check, [open] {
    auto s = open();
    if (!s) return 2;
    auto problems = s->check_consistency();
    if (!problems) {
      fmt::print(stderr, "minewatch: {}\n", problems.error().message);
      return 2;
    }
    for (const auto& p : *problems) fmt::print("problem: {}\n", p);
    if (problems->empty()) fmt::print("{}: consistent\n", s->name());
    return problems->empty() ? 0 : 1;
  });
}

}  // namespace minewatch::app
