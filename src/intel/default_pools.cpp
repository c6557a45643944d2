// The built-in pool list: public mining pools and in-browser mining services, from the pools' own
// connection documentation (stratum host names and ports on their "getting started" pages) and from
// the public NoCoin / CoinBlockerLists block lists for browser miners. Suffix-matched, so a listed
// domain covers its regional stratum hosts (eu1., us-east., xmr- ...). Only domains whose whole
// purpose is mining are listed: an exchange that also runs a pool is listed by its pool subdomain.
#include "intel/pool_list.hpp"

namespace minewatch::intel {

namespace {

struct Entry {
  const char* domain;
  const char* coin;
};

constexpr Entry kPools[] = {
    // Bitcoin / SHA-256d
    {"antpool.com", "BTC"},
    {"f2pool.com", ""},
    {"viabtc.com", ""},
    {"viabtc.top", ""},
    {"viabtc.io", ""},
    {"poolin.com", ""},
    {"poolin.me", ""},
    {"btc.com", "BTC"},
    {"slushpool.com", "BTC"},
    {"braiins.com", "BTC"},
    {"braiins.cn", "BTC"},
    {"ckpool.org", "BTC"},
    {"bitminter.com", "BTC"},
    {"ghash.io", "BTC"},
    {"kanopool.com", ""},
    {"luxor.tech", ""},
    {"emcd.io", ""},
    {"sbicrypto.com", "BTC"},
    {"spiderpool.com", ""},
    {"ultimuspool.com", ""},
    {"secpool.com", ""},
    {"foundryusapool.com", "BTC"},
    {"pool.binance.com", ""},
    {"btcguild.com", "BTC"},
    {"eligius.st", "BTC"},
    {"bitcoin.cz", "BTC"},
    {"p2pool.io", ""},
    {"solo.ckpool.org", "BTC"},
    {"public-pool.io", "BTC"},
    {"ocean.xyz", "BTC"},
    {"pool.btc.com", "BTC"},
    // Litecoin / Dogecoin / Scrypt
    {"litecoinpool.org", "LTC"},
    {"prohashing.com", ""},
    {"aikapool.com", ""},
    {"multipool.us", ""},
    // Monero / RandomX
    {"supportxmr.com", "XMR"},
    {"minexmr.com", "XMR"},
    {"moneroocean.stream", "XMR"},
    {"hashvault.pro", "XMR"},
    {"xmrpool.eu", "XMR"},
    {"c3pool.com", "XMR"},
    {"monerohash.com", "XMR"},
    {"xmrpool.net", "XMR"},
    {"dwarfpool.com", ""},
    {"minergate.com", ""},
    {"xmr.nanopool.org", "XMR"},
    {"p2pool.observer", "XMR"},
    {"monero.crypto-pool.fr", "XMR"},
    {"crypto-pool.fr", ""},
    {"xmrfast.com", "XMR"},
    {"viaxmr.com", "XMR"},
    {"gntl.co.uk", "XMR"},
    {"skypool.org", "XMR"},
    {"xmr.pool.minergate.com", "XMR"},
    // Ethereum (historic) / Ethereum Classic / Ethash family
    {"ethermine.org", "ETH"},
    {"nanopool.org", ""},
    {"flypool.org", ""},
    {"2miners.com", ""},
    {"hiveon.net", ""},
    {"hiveon.com", ""},
    {"sparkpool.com", "ETH"},
    {"ezil.me", ""},
    {"ethpool.org", "ETH"},
    {"miningpoolhub.com", ""},
    {"suprnova.cc", ""},
    {"coinotron.com", ""},
    {"dxpool.com", ""},
    {"dxpool.net", ""},
    {"k1pool.com", ""},
    {"woolypooly.com", ""},
    {"herominers.com", ""},
    {"unmineable.com", ""},
    {"kryptex.network", ""},
    {"zergpool.com", ""},
    {"zpool.ca", ""},
    {"mining-dutch.nl", ""},
    {"solopool.org", ""},
    {"acc-pool.pw", ""},
    {"baikalmine.com", ""},
    {"e4pool.com", ""},
    {"crazypool.org", ""},
    {"ethashpool.com", ""},
    // Zcash / Equihash, Ravencoin / KawPoW, Kaspa, Ergo, Nervos, Dash, others
    {"zcash.flypool.org", "ZEC"},
    {"luckpool.net", ""},
    {"ravenminer.com", "RVN"},
    {"ravenpool.ninja", "RVN"},
    {"acc-pool.com", ""},
    {"kaspa-pool.org", "KAS"},
    {"kaspapool.org", "KAS"},
    {"acc-pool.pw", ""},
    {"getblok.io", "ERG"},
    {"ergo.herominers.com", "ERG"},
    {"nicehash.com", ""},
    {"miningrigrentals.com", ""},
    {"coinfoundry.org", ""},
    {"f2pool.io", ""},
    {"beepool.org", ""},
    {"hashcity.org", ""},
    {"sigmapool.com", ""},
    {"antpool.io", ""},
    {"cruxpool.com", ""},
    {"minerpool.org", ""},
    // In-browser mining services (the JavaScript miner and its WebSocket pool proxies)
    {"coinhive.com", "XMR"},
    {"coin-hive.com", "XMR"},
    {"authedmine.com", "XMR"},
    {"authedmine.eu", "XMR"},
    {"crypto-loot.com", "XMR"},
    {"cryptoloot.pro", "XMR"},
    {"crypto-loot.org", "XMR"},
    {"webminepool.com", "XMR"},
    {"coinimp.com", "XMR"},
    {"coinimp.net", "XMR"},
    {"jsecoin.com", ""},
    {"minero.cc", "XMR"},
    {"webmine.cz", "XMR"},
    {"webmine.pro", "XMR"},
    {"ppoi.org", "XMR"},
    {"projectpoi.com", "XMR"},
    {"coinerra.com", "XMR"},
    {"cryptonight.pro", "XMR"},
    {"deepminer.org", "XMR"},
    {"monerise.com", "XMR"},
    {"hashforcash.us", "XMR"},
    {"coinnebula.com", "XMR"},
    {"minemytraffic.com", "XMR"},
    {"jsminer.net", ""},
    {"mineralt.io", "XMR"},
    {"cryptaloot.pro", "XMR"},
    {"coinhave.com", "XMR"},
    {"papoto.com", "XMR"},
};

// Exchanges, wallets and explorers that public "crypto" block lists include: never a pool by itself.
constexpr const char* kAllowed[] = {
    "binance.com",     "www.binance.com", "api.binance.com", "coinbase.com", "kraken.com",   "bitfinex.com",
    "blockchain.info", "blockchain.com",  "blockchair.com",  "etherscan.io", "mymonero.com", "getmonero.org",
    "electrum.org",    "bitcoin.org",     "metamask.io",     "trezor.io",    "ledger.com",   "exodus.com",
};

}  // namespace

const PoolList& PoolList::builtin() {
  static const PoolList list = [] {
    PoolList l;
    for (const auto& e : kPools) l.add(e.domain, e.coin);
    for (const char* a : kAllowed) l.allow(a);
    return l;
  }();
  return list;
}

}  // namespace minewatch::intel
