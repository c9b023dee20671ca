// Message formatting (attn/errors.hpp): numbers in messages print exactly as C's
// "%.17g" / "%lld" / "%llu" did (the page's g17() in web/js/core.js mirrors "%.17g"),
// without printf in the WebAssembly module.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "attn/errors.hpp"

namespace {

std::string printf_g17(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string ours(double v) {
  std::string s;
  attn::detail::append_g17(s, v);
  return s;
}

double from_bits(std::uint64_t b) {
  double v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

}  // namespace

TEST_CASE("numbers in messages print like printf's %.17g", "[errors]") {
  const double lim = std::numeric_limits<double>::max();
  const double specials[] = {0.0,
                             -0.0,
                             1.0,
                             -1.0,
                             0.1,
                             0.5,
                             2.5,
                             1e-4,
                             9.9999999999999991e-5,
                             1e-5,
                             1e16,
                             1e17,
                             99999999999999999.0,
                             123456789012345678.0,
                             1e21,
                             1e22,
                             1e23,
                             lim,
                             -lim,
                             std::numeric_limits<double>::min(),
                             std::numeric_limits<double>::denorm_min(),
                             std::numeric_limits<double>::epsilon(),
                             3.4028234663852886e38,
                             1.0 / 3,
                             2.0 / 3,
                             M_PI,
                             1e300,
                             1e-300,
                             4.9406564584124654e-324,
                             0.30000000000000004,
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity()};
  for (double v : specials) CHECK(ours(v) == printf_g17(v));
  // every power of two and of ten, and their neighbours
  for (int e = -1074; e <= 1023; ++e) {
    const double p = std::ldexp(1.0, e);
    for (double v : {p, std::nextafter(p, 0.0), std::nextafter(p, lim)}) REQUIRE(ours(v) == printf_g17(v));
  }
  for (int e = -323; e <= 308; ++e) {
    const double p = std::pow(10.0, e);
    for (double v : {p, std::nextafter(p, 0.0), std::nextafter(p, lim)}) REQUIRE(ours(v) == printf_g17(v));
  }
  // ties at the 18th digit: m / 2^20 has 18 significant digits for m near 2^37
  for (std::uint64_t m = (std::uint64_t(1) << 37) + 1; m < (std::uint64_t(1) << 37) + 4001; m += 2) {
    const double v = std::ldexp(static_cast<double>(m), -20);
    REQUIRE(ours(v) == printf_g17(v));
  }
  // random bit patterns (every exponent) and random short decimals (what users type)
  std::mt19937_64 rng(17);
  for (int i = 0; i < 200000; ++i) {
    const double v = from_bits(rng());
    if (std::isnan(v)) continue;
    REQUIRE(ours(v) == printf_g17(v));
  }
  for (int i = 0; i < 50000; ++i) {
    const double v = static_cast<double>(static_cast<std::int64_t>(rng() % 2000001) - 1000000) /
                     std::pow(10.0, static_cast<int>(rng() % 12));
    REQUIRE(ours(v) == printf_g17(v));
  }
}

TEST_CASE("integers and escapes in messages print like printf", "[errors]") {
  using attn::detail::cat;
  CHECK(cat(0) == "0");
  CHECK(cat(-7, " ", 42u) == "-7 42");
  CHECK(cat(std::numeric_limits<long long>::min()) == "-9223372036854775808");
  CHECK(cat(std::numeric_limits<unsigned long long>::max()) == "18446744073709551615");
  CHECK(cat(std::nan("")) == "nan");
  CHECK(cat(-std::nan("")) == "nan");
  CHECK(attn::detail::quoted("a\u0085b\u2028c\U0001F600") == "\"a\\u0085b\\u2028c\\u{1f600}\"");
  CHECK(attn::detail::quoted("\x01") == "\"\\x01\"");
}
