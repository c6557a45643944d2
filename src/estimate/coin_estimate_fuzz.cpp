// Untrusted inputs of the estimate area: the catalog loader (any TOML text) and coin identification
// from whatever a miner sends (login, agent, pool host, algorithm string) with shares and targets.
// Input: byte 0 selects the mode; the rest is the TOML text, or four NUL-separated strings followed by
// share/difficulty events.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "estimate/coin_catalog.hpp"
#include "estimate/session_estimate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace minewatch;
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    auto cat = estimate::CoinCatalog::parse(text, "fuzz.toml");
    if (cat) {
      for (const auto& c : cat->coins()) (void)c.algorithm_at(0);
    }
    return 0;
  }
  std::string_view fields[4];
  std::string_view rest = text;
  for (auto& f : fields) {
    const auto nul = rest.find('\0');
    f = rest.substr(0, nul);
    rest = nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
  }
  const auto family = static_cast<protocols::Family>(data[0] >> 1 & 7);
  detect::MiningSession s;
  protocols::MiningMessage login;
  login.family = family;
  login.kind = protocols::MessageKind::Login;
  login.login = fields[0];
  login.agent = fields[1];
  login.pool_host = fields[2];
  login.algo = fields[3];
  Timestamp t{1'500'000'000'000'000'000};
  s.add(login, Direction::AtoB, t);
  for (unsigned char c : rest) {
    t = t + Duration{static_cast<std::int64_t>(c) * 1'000'000'000};
    protocols::MiningMessage m;
    m.family = family;
    if (c & 1) {
      m.kind = protocols::MessageKind::Submit;
      s.add(m, Direction::AtoB, t);
    } else {
      m.kind = (c & 2) ? protocols::MessageKind::SetDifficulty : protocols::MessageKind::Job;
      m.difficulty = static_cast<double>(c) * 1e3;
      if (c & 4) m.target_work = m.difficulty;
      s.add(m, Direction::BtoA, t);
    }
  }
  auto e = estimate::estimate_session(s, t + Duration{1'000'000'000}, 3333);
  if (e.hashrate_known() && !(e.hashrate_lower <= e.hashrate_hs && e.hashrate_hs <= e.hashrate_upper)) __builtin_trap();
  return 0;
}
