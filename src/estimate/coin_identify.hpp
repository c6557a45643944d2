#pragma once
// Which coin a session mines, with the reasons: wallet address format (base58check version + checksum,
// bech32/CashAddr/Monero prefixes), pool domain and host-name labels, algorithm strings, protocol shape
// (mining.set_target, ETHProxy, EthereumStratum), miner software, and the date (Monero's CryptoNight era,
// Ethereum's Ethash era). "unknown" when no coin-specific evidence supports a guess.
#include <cstdint>
#include <string>
#include <vector>

#include "detect/mining_session.hpp"
#include "estimate/coin_catalog.hpp"

namespace minewatch::estimate {

struct CoinIdentification {
  const Coin* coin = nullptr;            // nullptr: unknown
  const Algorithm* algorithm = nullptr;  // nullptr: unknown
  bool algorithm_assumed = false;        // inferred from protocol shape alone
  std::vector<std::string> reasons;
};

CoinIdentification identify_coin(const detect::MiningSession& session, std::uint16_t pool_port,
                                 const CoinCatalog& catalog);

// The wallet part of a login ("<wallet>.<worker>", "<wallet>/<worker>/<email>", "<wallet>+<diff>").
std::string_view wallet_of(std::string_view login);
// Host-name labels split on anything not a letter ("eu1-zcash.flypool.org" -> eu, zcash, flypool, org).
std::vector<std::string> host_tokens(std::string_view host);

}  // namespace minewatch::estimate
