#include "estimate/coin_identify.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "core/ascii.hpp"
#include "estimate/address.hpp"

namespace minewatch::estimate {

using protocols::Family;
using protocols::MessageKind;

namespace {

constexpr double kCoinThreshold = 40;

std::string_view strip_port(std::string_view host) {
  if (auto colon = host.rfind(':'); colon != std::string_view::npos && host.find(':') == colon) {
    return host.substr(0, colon);
  }
  return host;
}

bool domain_matches(std::string_view host, std::string_view domain) {
  if (host.size() < domain.size()) return false;
  if (host.substr(host.size() - domain.size()) != domain) return false;
  return host.size() == domain.size() || host[host.size() - domain.size() - 1] == '.';
}

std::string hex(const std::vector<std::uint8_t>& bytes) {
  std::string s;
  for (auto b : bytes) s += fmt::format("{:02x}", b);
  return s;
}

std::string shorten(std::string_view s) {
  return s.size() > 14 ? fmt::format("{}…{}", s.substr(0, 8), s.substr(s.size() - 4)) : std::string(s);
}

struct Score {
  double value = 0;
  bool specific = false;  // evidence naming this coin, not just its algorithm
  std::vector<std::string> reasons;
};

}  // namespace

std::string_view wallet_of(std::string_view login) {
  auto end = login.find_first_of("./+ ");
  return login.substr(0, end);
}

std::vector<std::string> host_tokens(std::string_view host) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : host) {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      cur += lower_ascii(c);
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

CoinIdentification identify_coin(const detect::MiningSession& s, std::uint16_t pool_port, const CoinCatalog& cat) {
  (void)pool_port;  // ports are shared by too many pools and coins to be evidence on their own
  CoinIdentification out;
  const std::int64_t when = s.first_message().seconds();
  const std::string agent = lower_ascii(s.agent());
  const std::string algo_str = lower_ascii(s.algorithm());
  const std::string host = lower_ascii(strip_port(s.pool_host()));
  const auto tokens = host_tokens(host);
  const std::string_view wallet = wallet_of(s.login());

  // 1. Algorithm evidence from protocol shape, algorithm strings and miner software.
  std::map<std::string, std::pair<double, std::vector<std::string>>> algo;
  auto vote = [&](std::string_view id, double w, std::string reason) {
    if (!cat.algorithm(id)) return;
    auto& a = algo[std::string(id)];
    a.first += w;
    a.second.push_back(std::move(reason));
  };
  const auto family = s.family();
  if (family == Family::CryptoNote) {
    if (algo_str.starts_with("rx/") || algo_str == "randomx") {
      vote("randomx", 40, fmt::format("algorithm string '{}' is RandomX", s.algorithm()));
    } else if (algo_str.starts_with("cn") || algo_str.starts_with("cryptonight")) {
      vote("cryptonight", 40, fmt::format("algorithm string '{}' is CryptoNight", s.algorithm()));
    } else {
      vote("randomx", 20, "CryptoNote login/job/submit protocol (CryptoNight/RandomX family)");
      vote("cryptonight", 20, "CryptoNote login/job/submit protocol (CryptoNight/RandomX family)");
    }
  } else if (family == Family::EthProxy) {
    vote("ethash", 40, "ETHProxy (eth_submitLogin/eth_getWork) is Ethash mining");
  } else if (family == Family::Stratum) {
    if (lower_ascii(s.protocol_variant()).starts_with("ethereumstratum")) {
      vote("ethash", 40, fmt::format("subscribe announces {}", s.protocol_variant()));
    } else if (s.saw(MessageKind::SetTarget)) {
      vote("equihash-200-9", 30, "pool sets 256-bit share targets with mining.set_target (Equihash Stratum, ZIP 301)");
    } else if (s.saw(MessageKind::SetDifficulty) || s.saw(MessageKind::Notify) || s.saw(MessageKind::Subscribe)) {
      vote("sha256d", 10, "Stratum V1 without an algorithm string or Equihash targets: SHA-256d assumed");
    }
  } else if (family == Family::HttpGetwork) {
    vote("sha256d", 15, "getwork/getblocktemplate over HTTP is Bitcoin-lineage mining");
  }
  if (!agent.empty()) {
    for (const auto& a : cat.algorithms()) {
      for (const auto& name : a.agents) {
        if (agent.find(name) != std::string::npos) {
          vote(a.id, 15, fmt::format("miner software '{}' mines {}", s.agent(), a.name));
          break;
        }
      }
    }
  }

  // 2. Coins: their algorithm at the session's date plus coin-specific evidence.
  const Coin* best = nullptr;
  Score best_score;
  std::vector<std::string> address_facts;
  auto b58 = wallet.size() >= 26 ? decode_base58check(wallet) : std::nullopt;
  for (const auto& c : cat.coins()) {
    Score sc;
    const std::string& coin_algo = c.algorithm_at(when);
    if (auto it = algo.find(coin_algo); it != algo.end()) {
      sc.value += it->second.first;
      sc.reasons = it->second.second;
    }
    if (b58) {
      for (const auto& v : c.base58_versions) {
        if (b58->size() > v.size() && std::equal(v.begin(), v.end(), b58->begin())) {
          sc.value += 50;
          sc.specific = true;
          sc.reasons.push_back(fmt::format("wallet {} is a base58check address with version 0x{} (checksum valid): {}",
                                           shorten(wallet), hex(v), c.name));
        }
      }
    }
    if (!b58) {
      for (const auto& p : c.prefixes) {
        if (wallet.starts_with(p.prefix) && wallet.size() >= p.min_len && wallet.size() <= p.max_len) {
          sc.value += 30;
          sc.specific = true;
          sc.reasons.push_back(fmt::format("wallet {} has the {} address form ('{}', {} characters)", shorten(wallet),
                                           c.name, p.prefix, wallet.size()));
          break;
        }
      }
    }
    for (const auto& d : c.pool_domains) {
      if (!host.empty() && domain_matches(host, d)) {
        sc.value += 40;
        sc.specific = true;
        sc.reasons.push_back(fmt::format("pool {} is a {} pool ({})", host, c.name, d));
        break;
      }
    }
    for (const auto& t : c.host_tokens) {
      if (std::find(tokens.begin(), tokens.end(), t) != tokens.end()) {
        sc.value += 25;
        sc.specific = true;
        sc.reasons.push_back(fmt::format("pool host {} names '{}'", host, t));
        break;
      }
    }
    for (const auto& a : c.cryptonote_algos) {
      if (!algo_str.empty() && algo_str == a && family == Family::CryptoNote) {
        sc.value += 20;
        sc.specific = true;
        sc.reasons.push_back(fmt::format("CryptoNote algorithm '{}' is {}'s", s.algorithm(), c.name));
        break;
      }
    }
    if (c.mined_until_unix > 0 && when >= c.mined_until_unix) {
      sc.value -= 100;
      sc.reasons.push_back(fmt::format("{} is no longer mined at the session's date", c.name));
    }
    if (sc.value > 0) sc.value += c.prior;
    if (!best || sc.value > best_score.value) {
      best = &c;
      best_score = std::move(sc);
    }
  }

  if (best && best_score.specific && best_score.value >= kCoinThreshold) {
    out.coin = best;
    out.algorithm = cat.algorithm(best->algorithm_at(when));
    out.reasons = std::move(best_score.reasons);
    if (best->algorithm_at(when) != best->algorithm) {
      out.reasons.push_back(fmt::format("{} used {} at the session's date", best->name, out.algorithm->name));
    }
    if (best->mined_until_unix > 0) {
      out.reasons.push_back(fmt::format("{} was Ethash-mined only before The Merge; the date fits", best->name));
    }
    return out;
  }
  // No coin: the likeliest algorithm alone, marked as assumed when only the protocol shape suggests it.
  double top = 0;
  for (const auto& [id, v] : algo) {
    if (v.first > top) {
      top = v.first;
      out.algorithm = cat.algorithm(id);
      out.reasons = v.second;
    }
  }
  out.algorithm_assumed = out.algorithm != nullptr && top < 30;
  if (out.algorithm) out.reasons.push_back("no wallet, pool name or algorithm string names a coin");
  return out;
}

}  // namespace minewatch::estimate
