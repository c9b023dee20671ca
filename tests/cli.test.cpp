// attention-cli, run as a user runs it: JSON problem in (file, stdin or "-"), JSON result out.
// Errors: exit code 2, exactly one line on stderr starting "attention-cli: ", nothing on stdout.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "approx.hpp"
#include "attn/attend.hpp"
#include "attn/trainer.hpp"
#include "attn/layout.hpp"
#include "attn/matrix.hpp"
#include "attn/streaming.hpp"
#include "attn/view.hpp"
#include "fixtures.hpp"

#ifndef ATTN_CLI_PATH
#error "ATTN_CLI_PATH must name the attention-cli binary (see tests/CMakeLists.txt)"
#endif

using namespace attn_test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Run {
  int code = -1;
  std::string out, err;
};

enum class Input { file, stdin_implicit, stdin_dash };

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string quote(const std::string& s) {  // single-quote for /bin/sh
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs the CLI on `text` in a private temp directory (safe under ctest -j). With
// `file_argument` set, that path is passed instead of the problem file.
Run run_cli(const std::string& text, Input how = Input::file, const std::string& file_argument = "") {
  static std::atomic<int> counter{0};
  const fs::path dir =
      fs::temp_directory_path() / ("attn_cli_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  fs::create_directories(dir);
  const fs::path in = dir / "problem.json", out = dir / "stdout", err = dir / "stderr";
  {
    std::ofstream f(in, std::ios::binary);
    f << text;
  }
  std::string cmd = quote(ATTN_CLI_PATH);
  switch (how) {
    case Input::file:
      cmd += " " + quote(file_argument.empty() ? in.string() : file_argument);
      break;
    case Input::stdin_implicit:
      cmd += " < " + quote(in.string());
      break;
    case Input::stdin_dash:
      cmd += " - < " + quote(in.string());
      break;
  }
  cmd += " > " + quote(out.string()) + " 2> " + quote(err.string());
  const int status = std::system(cmd.c_str());
  Run r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  fs::remove_all(dir);
  return r;
}

// A successful run: exit 0, nothing on stderr, one JSON document on stdout.
json solve(const json& problem, Input how = Input::file) {
  const Run r = run_cli(problem.dump(), how);
  INFO("problem: " << problem.dump() << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  REQUIRE(r.err.empty());
  json result;
  REQUIRE_NOTHROW(result = json::parse(r.out));
  return result;
}

// A failing run: exit 2, exactly one line "attention-cli: ..." on stderr that contains `mentions`,
// nothing on stdout.
void require_error(const Run& r, const std::string& mentions) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 2);
  REQUIRE(r.out.empty());
  REQUIRE(r.err.rfind("attention-cli: ", 0) == 0);
  REQUIRE(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  REQUIRE(r.err.back() == '\n');
  REQUIRE_THAT(r.err, Catch::Contains(mentions));
}

template <typename T = double>
Vec<T> vec(const json& a) {
  Vec<T> v(static_cast<Index>(a.size()));
  for (size_t i = 0; i < a.size(); ++i) v(Index(i)) = a[i].get<T>();
  return v;
}

Mat<double> mat(const json& rows) {
  const Index m = Index(rows.size()), n = m ? Index(rows[0].size()) : 0;
  Mat<double> out(m, n);
  for (Index i = 0; i < m; ++i) {
    REQUIRE(Index(rows[size_t(i)].size()) == n);
    for (Index j = 0; j < n; ++j) out(i, j) = rows[size_t(i)][size_t(j)].get<double>();
  }
  return out;
}

const json kTwoKeys = {{"mode", "attend"},           {"query", {1, 0}}, {"keys", {{1, 0}, {-1, 0}}},
                       {"values", {{1, 2}, {3, 4}}}, {"scale", 1},      {"normalize_keys", false},
                       {"precision", "double"}};

}  // namespace

TEST_CASE("cli attend: two keys at 0 and pi", "[cli]") {
  // logits (1, -1); w = e/(e + e^-1) = 0.88079707797788244, 0.11920292202211756
  // output = w0 (1, 2) + w1 (3, 4) = (1.2384058440442351, 2.2384058440442351)
  // H = 0.36533385508720761, exp(H) = 1.4409950113672495, log(e + e^-1) = 1.1269280110429725
  // kappa = |q| scale = 1, phi = 0; von Mises density e^(±1) / (2 pi I0(1)) = 0.34171048862346316, 0.046245485762777706
  const json r = solve(kTwoKeys);
  const double t = 1e-14;
  CHECK_ALL_CLOSE(vec(r.at("logits")), Vec<double>((Vec<double>(2) << 1, -1).finished()), t);
  CHECK_CLOSE(r.at("weights")[0].get<double>(), 0.88079707797788244, t, 0);
  CHECK_CLOSE(r.at("weights")[1].get<double>(), 0.11920292202211756, t, 0);
  CHECK_CLOSE(r.at("output")[0].get<double>(), 1.2384058440442351, t, 0);
  CHECK_CLOSE(r.at("output")[1].get<double>(), 2.2384058440442351, t, 0);
  CHECK_CLOSE(r.at("entropy").get<double>(), 0.36533385508720761, t, 0);
  CHECK_CLOSE(r.at("effective_keys").get<double>(), 1.4409950113672495, t, 0);
  CHECK(r.at("argmax").get<int>() == 0);
  CHECK_CLOSE(r.at("log_sum_exp").get<double>(), 1.1269280110429725, t, 0);
  CHECK(r.at("max_logit").get<double>() == 1.0);
  CHECK(r.at("kappa").get<double>() == 1.0);
  CHECK(r.at("phi").get<double>() == 0.0);
  REQUIRE(r.at("von_mises_density").size() == 2);
  CHECK_CLOSE(r.at("von_mises_density")[0].get<double>(), 0.34171048862346316, 1e-13, 0);
  CHECK_CLOSE(r.at("von_mises_density")[1].get<double>(), 0.046245485762777706, 1e-13, 0);
}

TEST_CASE("cli attend: entmax, sink, rope and kernels, with the library's numbers", "[cli]") {
  // Sparsemax of logits (1, 0.7, -1) with a sink at 0.5: slots sorted (1, 0.7, 0.5, -1), support
  // {1, 0.7, 0.5} (1 + 3 · 0.5 > 2.2, 1 + 4 · (-1) < 1.2), tau = (2.2 - 1)/3 = 0.4:
  // weights (0.6, 0.3, 0), sink 0.1, output 0.6 · 1 + 0.3 · 2.
  const json sparse = solve(json::parse(
      R"({"mode": "attend", "query": [1, 0], "keys": [[1, 0], [0.7, 0], [-1, 0]], "alpha": 2, "sink": 0.5,
          "values": [[1], [2], [3]]})"));
  CHECK_ALL_CLOSE(vec(sparse.at("weights")), Vec<double>((Vec<double>(3) << 0.6, 0.3, 0).finished()), 1e-15);
  CHECK(sparse.at("weights")[2].get<double>() == 0);
  CHECK_CLOSE(sparse.at("sink_weight").get<double>(), 0.1, 1e-14, 0);
  CHECK_CLOSE(sparse.at("output")[0].get<double>(), 0.6 + 0.6, 1e-15, 0);
  CHECK(sparse.at("log_sum_exp").is_null());                         // no log-partition beyond softmax
  CHECK_CLOSE(sparse.at("threshold").get<double>(), 0.4, 1e-15, 0);  // w = [z − τ]₊ for sparsemax
  CHECK(sparse.at("alpha").get<double>() == 2);
  CHECK(!sparse.contains("rotated_keys"));

  // Every option together: the CLI gives the library's numbers.
  const json p = json::parse(
      R"({"mode": "attend", "query": [0.3, -1.2, 0.5, 2], "keys": [[1, 0, 0, 1], [0, 1, 1, 0], [-1, 0.5, 0, 2]],
          "values": [[1, 2], [3, 4], [5, 6]], "scale": 0.7, "normalize_keys": true, "alpha": 1.5, "sink": -0.5,
          "rope": {"theta": 0.9, "base": 50, "positions": [4, 7, 9], "queryPosition": 12},
          "kernel": "favor+", "features": 16, "seed": 5})");
  const json r = solve(p);
  attn::AttendOptions opt;
  opt.scale = 0.7;
  opt.normalize_keys = true;
  opt.alpha = 1.5;
  opt.sink = -0.5;
  opt.rope = attn::Rope{0.9, 50, {4, 7, 9}, 12.0, {}};
  opt.kernel = attn::Kernel::favor_plus;
  opt.features = 16;
  opt.seed = 5;
  Vec<double> q(4);
  q << 0.3, -1.2, 0.5, 2;
  Mat<double> k(3, 4), v(3, 2);
  k << 1, 0, 0, 1, 0, 1, 1, 0, -1, 0.5, 0, 2;
  v << 1, 2, 3, 4, 5, 6;
  const attn::AttendResult<double> want = attn::attend<double>(q, k, v, opt);
  CHECK_ALL_CLOSE(vec(r.at("weights")), want.weights, 0);
  CHECK_ALL_CLOSE(vec(r.at("output")), want.output, 0);
  CHECK_ALL_CLOSE(vec(r.at("rotated_query")), want.rotated_query, 0);
  CHECK(r.at("rotated_keys").size() == 3);
  CHECK(r.at("sink_weight").get<double>() == want.stats.sink_weight);
  CHECK(r.at("kernel").get<std::string>() == "favor+");
}

TEST_CASE("cli examples beyond softmax give the numbers docs/cli.md shows", "[cli]") {
  const fs::path dir = ATTN_EXAMPLES_DIR;
  const auto run_example = [&](const char* name) {
    const Run r = run_cli("", Input::file, (dir / name).string());
    INFO(name << ": " << r.err);
    REQUIRE(r.code == 0);
    return json::parse(r.out);
  };
  const json sparse = run_example("sparsemax-sink.json");
  CHECK_ALL_CLOSE(vec(sparse.at("weights")), Vec<double>((Vec<double>(3) << 0.6, 0.3, 0).finished()), 1e-14);
  CHECK_CLOSE(sparse.at("sink_weight").get<double>(), 0.1, 1e-13, 0);
  CHECK(sparse.at("log_sum_exp").is_null());
  const json rope = run_example("rope.json");
  CHECK_ALL_CLOSE(vec(rope.at("weights")), Vec<double>((Vec<double>(3) << 0.1129, 0.4135, 0.4737).finished()), 1e-4);
  CHECK(rope.at("rotated_keys").size() == 3);
  const json linear = run_example("linear.json");
  CHECK_ALL_CLOSE(vec(linear.at("weights")), Vec<double>((Vec<double>(4) << 0.4119, 0.1817, 0.1253, 0.2811).finished()),
                  1e-4);
}

TEST_CASE("cli attend: bad options beyond softmax are one-line errors naming the option", "[cli]") {
  const std::string base = R"({"mode": "attend", "query": [1, 0], "keys": [[1, 0], [0, 1]], )";
  require_error(run_cli(base + R"("alpha": 2.5})"), "alpha: is 2.5; expected 1 <= alpha <= 2");
  require_error(run_cli(base + R"("sink": "high"})"), "sink");
  require_error(run_cli(base + R"("kernel": "relu"})"), "kernel: is \"relu\"");
  require_error(run_cli(base + R"("kernel": "favor+", "features": 0})"), "features: is 0");
  require_error(run_cli(base + R"("rope": {"positions": [1]}})"), "rope.positions: has 1 entries but there are 2 keys");
  require_error(run_cli(base + R"("rope": {"tehta": 1}})"), "rope.tehta: is not a field of rope");
  require_error(run_cli(base + R"("rope": 3})"), "rope: is 3");
  require_error(run_cli(base + R"("rope": {"positions": []}})"), "rope.positions: is empty");
  require_error(run_cli(R"({"mode": "attend", "query": [1, 0, 0], "keys": [[1, 0, 0]], "rope": {}})"),
                "rope: needs an even dimension");
}

TEST_CASE("cli attend: stdin, '-' and a file give the same result", "[cli]") {
  const json a = solve(kTwoKeys, Input::file);
  CHECK(solve(kTwoKeys, Input::stdin_implicit) == a);
  CHECK(solve(kTwoKeys, Input::stdin_dash) == a);
}

TEST_CASE("cli attend: float precision, far side, d > 2", "[cli]") {
  json p = kTwoKeys;
  p["precision"] = "float";
  const json f = solve(p);
  CHECK_CLOSE(f.at("weights")[0].get<double>(), 0.88079707797788244, 1e-6, 0);
  CHECK_CLOSE(f.at("output")[1].get<double>(), 2.2384058440442351, 1e-6, 0);
  // float32 results are not the double ones
  CHECK(f.at("weights")[0].get<double>() != solve(kTwoKeys).at("weights")[0].get<double>());

  p = kTwoKeys;
  p["scale"] = -1;  // negative scale attends to the key opposite q
  const json n = solve(p);
  CHECK(n.at("argmax").get<int>() == 1);
  CHECK_CLOSE(n.at("weights")[1].get<double>(), 0.88079707797788244, 1e-14, 0);
  CHECK(n.at("kappa").get<double>() == -1.0);

  const json d3 = solve({{"mode", "attend"}, {"query", {0, 0, 2}}, {"keys", {{0, 0, 1}, {1, 0, 0}}}});
  CHECK(d3.at("kappa").get<double>() == 2.0);
  CHECK_FALSE(d3.contains("phi"));
  CHECK_FALSE(d3.contains("von_mises_density"));
  // logits (2, 0): w0 = e^2 / (e^2 + 1) = 0.88079707797788244
  CHECK_CLOSE(d3.at("weights")[0].get<double>(), 0.88079707797788244, 1e-14, 0);
  CHECK(d3.at("output").empty());  // no values
}

TEST_CASE("cli matrix: causal mask", "[cli]") {
  // Q = [[1,0],[0,1],[0.6,0.8]], K = [[1,0],[0,1],[-1,0]], V = [[1],[2],[3]]
  //   row 0 sees key 0: (1, 0, 0); row 1: logits (0, 1) -> (1/(1+e), e/(1+e), 0)
  //   = (0.26894142136999512, 0.73105857863000488, 0); row 2: softmax(0.6, 0.8, -0.6)
  const json r = solve({{"mode", "matrix"},
                        {"queries", {{1, 0}, {0, 1}, {0.6, 0.8}}},
                        {"keys", {{1, 0}, {0, 1}, {-1, 0}}},
                        {"values", {{1}, {2}, {3}}},
                        {"scale", 1},
                        {"normalize_keys", false},
                        {"mask", "causal"}});
  const Mat<double> w = mat(r.at("weights"));
  Mat<double> expect(3, 3);
  const double e = std::exp(1.0), s2 = std::exp(0.6) + std::exp(0.8) + std::exp(-0.6);
  expect << 1, 0, 0, 1 / (1 + e), e / (1 + e), 0, std::exp(0.6) / s2, std::exp(0.8) / s2, std::exp(-0.6) / s2;
  CHECK_ALL_CLOSE(w, expect, 1e-15);
  CHECK(w(0, 1) == 0.0);
  CHECK(w(0, 2) == 0.0);
  CHECK(w(1, 2) == 0.0);
  const Mat<double> o = mat(r.at("output"));
  Vec<double> vals(3);
  vals << 1, 2, 3;
  CHECK_ALL_CLOSE(o, (expect * vals).eval(), 1e-14);
  // masked logits keep their raw value
  CHECK_ALL_CLOSE(mat(r.at("logits")).row(0), (Vec<double>(3) << 1, 0, -1).finished().transpose(), 1e-15);
  CHECK(r.at("entropy")[0].get<double>() == 0.0);
  CHECK(r.at("empty_rows") == json({false, false, false}));
}

TEST_CASE("cli matrix: window past the last key and the mask spellings", "[cli]") {
  // m = 3 queries, n = 2 keys, window 1: query 2 sees nothing.
  json p = {{"mode", "matrix"},
            {"queries", {{1, 0}, {0, 1}, {1, 1}}},
            {"keys", {{1, 0}, {0, 1}}},
            {"values", {{5, 6}, {7, 8}}},
            {"mask", {{"window", 1}}}};
  const json r = solve(p);
  CHECK(r.at("empty_rows") == json({false, false, true}));
  const Mat<double> w = mat(r.at("weights")), o = mat(r.at("output"));
  CHECK(w.row(0) == (Vec<double>(2) << 1, 0).finished().transpose());
  CHECK(w.row(1) == (Vec<double>(2) << 0, 1).finished().transpose());
  CHECK(w.row(2).isZero(0));
  CHECK(o.row(2).isZero(0));
  CHECK(o.row(1) == (Vec<double>(2) << 7, 8).finished().transpose());
  CHECK(r.at("entropy")[2].get<double>() == 0.0);
  // "window:1" is the same mask
  p["mask"] = "window:1";
  CHECK(solve(p).at("weights") == r.at("weights"));
  // topk: as a string and as an object; exactly k nonzero weights per row; no values -> no output
  json t = {{"mode", "matrix"},
            {"queries", {{1, 0}, {0, 1}}},
            {"keys", {{1, 0}, {0, 1}, {-1, 0}, {0.6, 0.8}}},
            {"mask", "topk:2"}};
  const json a = solve(t);
  t["mask"] = {{"topk", 2}};
  CHECK(solve(t).at("weights") == a.at("weights"));
  const Mat<double> tw = mat(a.at("weights"));
  for (Index i = 0; i < 2; ++i) CHECK((tw.row(i).array() > 0).count() == 2);
  // row 0: logits (1, 0, -1, 0.6) keep keys 0 and 3
  CHECK(tw(0, 1) == 0.0);
  CHECK(tw(0, 2) == 0.0);
  CHECK(tw(0, 0) > tw(0, 3));
  CHECK((!a.contains("output") || a.at("output").empty()));
}

TEST_CASE("cli stream: blocks and two-pass agreement", "[cli]") {
  const json p = {{"mode", "stream"},
                  {"query", {2, 0.5}},
                  {"keys", {{1, 0}, {0, 1}, {-1, 0}, {0.3, 0.3}, {5, 1}}},
                  {"values", {{1}, {2}, {3}, {4}, {5}}},
                  {"scale", 1},
                  {"block_size", 2}};
  const json r = solve(p);
  const json& blocks = r.at("blocks");
  REQUIRE(blocks.size() == 3);
  const int bounds[3][2] = {{0, 2}, {2, 4}, {4, 5}};
  for (size_t b = 0; b < 3; ++b) {
    CHECK(blocks[b].at("begin").get<int>() == bounds[b][0]);
    CHECK(blocks[b].at("end").get<int>() == bounds[b][1]);
  }
  // logits q·k = (2, 0.5, -2, 0.75, 10.5): block maxima 2, 0.75, 10.5; running 2, 2, 10.5
  CHECK(blocks[0].at("block_max").get<double>() == 2.0);
  CHECK(blocks[1].at("block_max").get<double>() == 0.75);
  CHECK(blocks[1].at("running_max").get<double>() == 2.0);
  CHECK(blocks[2].at("running_max").get<double>() == 10.5);
  CHECK(blocks[0].at("rescale").get<double>() == 0.0);
  CHECK_CLOSE(blocks[1].at("rescale").get<double>(), 1.0, 1e-15, 0);
  CHECK_CLOSE(blocks[2].at("rescale").get<double>(), std::exp(2.0 - 10.5), 1e-14, 0);
  CHECK(r.at("max_abs_diff").get<double>() <= 1e-12);
  CHECK_ALL_CLOSE(vec(r.at("output")), vec(r.at("two_pass_output")), 1e-12);
  CHECK_ALL_CLOSE(vec(blocks[2].at("partial_output")), vec(r.at("output")), 1e-15);
  // same numbers as the library
  Mat<double> K(5, 2), V(5, 1);
  K << 1, 0, 0, 1, -1, 0, 0.3, 0.3, 5, 1;
  V << 1, 2, 3, 4, 5;
  Vec<double> q(2);
  q << 2, 0.5;
  const auto s = attn::streaming_attend<double>(q, K, V, attn::AttendOptions{}, 2);
  CHECK_ALL_CLOSE(vec(r.at("output")), s.output, 0.0);
  CHECK(r.at("log_sum_exp").get<double>() == s.log_sum_exp);
}

TEST_CASE("cli layout: even, random, sphere, clusters, values, gaussian", "[cli]") {
  const json even = solve({{"mode", "layout"}, {"kind", "even"}, {"n", 4}, {"phase", 0}});
  Mat<double> axes(4, 2);
  axes << 1, 0, 0, 1, -1, 0, 0, -1;
  CHECK_ALL_CLOSE(mat(even.at("points")), axes, 1e-15);
  REQUIRE(even.at("angles").size() == 4);
  CHECK_CLOSE(even.at("angles")[1].get<double>(), kPi / 2, 1e-15, 0);
  CHECK_CLOSE(std::fabs(even.at("angles")[2].get<double>()), kPi, 1e-15, 0);
  // bit-identical to the library for the same seed (JSON doubles round-trip exactly)
  const json rnd = solve({{"mode", "layout"}, {"kind", "random"}, {"n", 16}, {"seed", 7}});
  CHECK(mat(rnd.at("points")) == attn::layout_random(16, 7));
  CHECK(vec(rnd.at("angles")) == attn::angles_of(attn::layout_random(16, 7)));
  const json cl =
      solve({{"mode", "layout"}, {"kind", "clusters"}, {"n", 12}, {"seed", 3}, {"clusters", 4}, {"spread", 0.1}});
  CHECK(mat(cl.at("points")) == attn::layout_clusters(12, 4, 0.1, 3));
  const json val = solve({{"mode", "layout"}, {"kind", "values"}, {"n", 5}, {"seed", 2}});
  CHECK(mat(val.at("points")) == attn::layout_values(5, 2));
  const json sph = solve({{"mode", "layout"}, {"kind", "sphere"}, {"n", 6}, {"d", 3}, {"seed", 9}});
  CHECK(mat(sph.at("points")) == attn::layout_sphere(6, 3, 9));
  CHECK_FALSE(sph.contains("angles"));
  const json g = solve({{"mode", "layout"}, {"kind", "gaussian"}, {"n", 5}, {"d", 4}, {"seed", 1}});
  CHECK(mat(g.at("points")) == attn::layout_gaussian(5, 4, 1));
}

TEST_CASE("cli vonmises: density and Gaussian approximation", "[cli]") {
  // kappa 4, phi 0 at angles 0, pi/2, pi: e^(4 cos t) / (2 pi I0(4)), I0(4) = 11.301921952136330
  //   = 0.76885732340465344, 0.014082113092438343, 0.00025792289819141646
  // Gaussian sqrt(4 / 2pi) e^(-2 t^2) = 0.79788456080286536, 0.0057382926927089571, 2.1345709837794497e-9
  const json r = solve({{"mode", "vonmises"}, {"kappa", 4}, {"phi", 0}, {"angles", {0, kPi / 2, kPi}}});
  const double dens[] = {0.76885732340465344, 0.014082113092438343, 0.00025792289819141646};
  const double gauss[] = {0.79788456080286536, 0.0057382926927089571, 2.1345709837794497e-9};
  REQUIRE(r.at("density").size() == 3);
  REQUIRE(r.at("gaussian").size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK_CLOSE(r.at("density")[i].get<double>(), dens[i], 1e-13, 0);
    CHECK_CLOSE(r.at("gaussian")[i].get<double>(), gauss[i], 1e-12, 0);
  }
  const json z = solve({{"mode", "vonmises"}, {"kappa", 0}, {"phi", 1}, {"angles", {0, 2}}});
  CHECK_CLOSE(z.at("density")[0].get<double>(), 1 / (2 * kPi), 1e-15, 0);
  CHECK_FALSE(z.contains("gaussian"));
}

TEST_CASE("cli errors: exit 2, one line on stderr, nothing on stdout", "[cli]") {
  SECTION("malformed JSON") {
    require_error(run_cli(R"({"mode": "attend", "query": [1, 0})"), "JSON");
    require_error(run_cli(""), "JSON");
  }
  SECTION("unknown mode") { require_error(run_cli(R"({"mode": "bogus"})"), "mode"); }
  SECTION("missing field") {
    require_error(run_cli(R"({"mode": "attend", "query": [1, 0]})"), "keys");
    require_error(run_cli(R"({"query": [1, 0], "keys": [[1, 0]]})"), "mode");
  }
  SECTION("dimension mismatch") {
    require_error(run_cli(R"({"mode": "attend", "query": [1, 0, 0], "keys": [[1, 0]]})"), "query");
    require_error(run_cli(R"({"mode": "attend", "query": [1, 0], "keys": [[1, 0], [0, 1]], "values": [[1]]})"),
                  "values");
    require_error(run_cli(R"({"mode": "matrix", "queries": [[1, 0]], "keys": [[1, 0], [0]]})"), "keys");
  }
  SECTION("unknown field, wrong type, out-of-range options") {
    require_error(run_cli(R"({"mode": "attend", "query": [1, 0], "keys": [[1, 0]], "scael": 2})"), "scael");
    require_error(run_cli(R"({"mode": "attend", "query": "north", "keys": [[1, 0]]})"), "query");
    require_error(run_cli(R"({"mode": "matrix", "queries": [[1, 0]], "keys": [[1, 0]], "mask": "window:0"})"),
                  "window");
    require_error(run_cli(R"({"mode": "stream", "query": [1, 0], "keys": [[1, 0]], "values": [[1]], "block_size": 0})"),
                  "block_size");
    require_error(run_cli(R"({"mode": "attend", "query": [1, 0], "keys": [[1, 0]], "precision": "half"})"),
                  "precision");
    require_error(run_cli(R"({"mode": "layout", "kind": "even", "n": 0})"), "n");
    require_error(run_cli(R"({"mode": "attend", "query": [1, 0], "keys": [[0, 0]], "normalize_keys": true})"), "keys");
  }
  SECTION("nonexistent file") {
    const std::string missing = (fs::temp_directory_path() / "attn_cli_test_no_such_dir" / "problem.json").string();
    require_error(run_cli("{}", Input::file, missing), "attn_cli_test_no_such_dir");
  }
}

TEST_CASE("cli robustness: deep nesting is a named error, not a stack overflow", "[cli]") {
  // 100,000 nested arrays crashed the parser (and the quoting of the bad value) with SIGSEGV.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(100000, '}');
  for (const char* field : {"query", "scale", "mask"}) {
    INFO(field);
    const std::string mode = std::string(field) == "mask" ? "matrix" : "attend";
    const std::string q = mode == "matrix" ? "\"queries\":[[1]]" : "\"query\":[1]";
    for (const std::string& bad : {deep, objects}) {
      const std::string problem = "{\"mode\":\"" + mode + "\",\"keys\":[[1]]," +
                                  (std::string(field) == "query" ? "" : q + ",") + "\"" + field + "\":" + bad + "}";
      require_error(run_cli(problem), "levels deep");
    }
  }
  // Nesting a problem really uses (self mode, several heads: 4 levels) is fine.
  CHECK(solve(json::parse(R"({"mode": "self", "tokens": [[1, 0], [0, 1]], "wq": [[[1, 0]], [[0, 1]]],
                              "wk": [[[1, 0]]], "wv": [[[1, 0]]], "heads": 2, "kv_heads": 1})"))
            .at("heads")
            .size() == 2);
}

TEST_CASE("cli robustness: quoted values are bounded and escaped", "[cli]") {
  // A 10 MB string used to be echoed whole; U+2028 and U+0085 passed through raw.
  const std::string huge(10 * 1000 * 1000, 'x');
  Run r = run_cli(R"({"mode": "attend", "keys": [[1]], "query": ")" + huge + "\"}");
  require_error(r, "query");
  CHECK(r.err.size() < 600);
  CHECK_THAT(r.err, Catch::Contains("10000000 bytes"));
  r = run_cli(
      "{\"mode\": \"layout\", \"kind\": \"a\xe2\x80\xa8"
      "b\xc2\x85"
      "c\\n\"}");
  require_error(r, "kind");
  CHECK_THAT(r.err, Catch::Contains(R"("a\u2028b\u0085c\n")"));
  for (unsigned char c : r.err) CHECK(c < 0x80);
  // Bytes that are not UTF-8 (the parser rejects them) are escaped too, and a long
  // parser message is cut: the line stays short.
  r = run_cli("{\"mode\": \"" + std::string(5000, 'y') + "\xff\"}");
  require_error(r, "JSON");
  CHECK(r.err.size() < 600);
  // An array value is quoted as a prefix.
  r = run_cli(R"({"mode": "attend", "keys": [[1]], "query": [1], "scale": [)" + std::string(100, '7') +
              R"(, 1, 2, 3, "four", [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22]]})");
  require_error(r, "scale: is [7.777");
  CHECK(r.err.size() < 200);
  // A number no double holds (valid JSON) is its own error, with the parser's text cut short.
  r = run_cli(R"({"mode": "attend", "keys": [[1]], "query": [1], "scale": )" + std::string(100000, '7') + "}");
  require_error(r, "problem: has a number beyond double range");
  CHECK(r.err.size() < 600);
}

TEST_CASE("cli robustness: finite input gives finite output", "[cli]") {
  const double big = std::numeric_limits<double>::max();
  auto all_finite = [](const json& j, auto&& self) -> bool {
    if (j.is_null()) return false;  // how a NaN or Inf leaves nlohmann::json
    if (j.is_number()) return std::isfinite(j.get<double>());
    if (j.is_array() || j.is_object()) {
      for (const auto& x : j) {
        if (!self(x, self)) return false;
      }
    }
    return true;
  };
  auto finite = [&](const json& problem) {
    INFO(problem.dump());
    const json r = solve(problem);
    CHECK(all_finite(r, all_finite));
    return r;
  };
  for (double phase : {1e20, 5e37, 1e300}) {
    const json r = finite({{"mode", "layout"}, {"n", 4}, {"phase", phase}});
    for (const auto& p : r.at("points"))
      CHECK(std::abs(std::hypot(p[0].get<double>(), p[1].get<double>()) - 1) < 1e-14);
  }
  finite({{"mode", "layout"}, {"kind", "clusters"}, {"n", 9}, {"spread", 1e300}});
  const json s = finite(json::parse(R"({"mode":"stream","query":[0,0],"keys":[[1,0],[0,1]],
                                        "values":[[1e308],[1e308]],"block_size":1})"));
  CHECK(s.at("output")[0].get<double>() == 1e308);
  const json sf = finite(json::parse(R"({"mode":"stream","query":[0,0],"keys":[[1,0],[0,1]],
                                         "values":[[3e38],[3e38]],"block_size":1,"precision":"float"})"));
  CHECK(std::abs(sf.at("output")[0].get<double>() / 3e38 - 1) < 1e-6);
  const json a = finite(json::parse(R"({"mode":"attend","query":[1e200,1e200,0],"keys":[[1,0,0],[0,1,0]]})"));
  CHECK_CLOSE(a.at("kappa").get<double>(), std::sqrt(2.0) * 1e200, 1e-15, 0);
  finite(json::parse(R"({"mode":"attend","query":[1e200,1e200],"keys":[[1,0],[0,1]],"scale":1e300})"));
  finite({{"mode", "vonmises"}, {"kappa", 1}, {"phi", -1e308}, {"angles", {1e308, big, 0}}});
  const json self = finite(json::parse(R"({"mode":"self","tokens":[[1,0],[0,1]],"wq":[[1e300,1],[0,1e300]],
                                           "wk":[[1e300,0],[1,1e300]],"wv":[[1,0]]})"));
  CHECK_CLOSE(self.at("heads")[0].at("logit_asymmetry").get<double>(), 2e300, 1e-15, 0);
}

TEST_CASE("cli robustness: errors name the user's field and what overflowed", "[cli]") {
  // Self mode has no "values": an overflowing projection is named by its weight matrix.
  Run r = run_cli(R"({"mode":"self","tokens":[[1e300,0],[0,1]],"wq":[[1,0]],"wk":[[1,0]],"wv":[[1e300,0]]})");
  require_error(r, "wv: the projection V = tokens");
  CHECK_THAT(r.err, Catch::Contains("overflows"));
  require_error(run_cli(R"({"mode":"self","tokens":[[1,0]],"wq":[[1,0,0]],"wk":[[1,0]],"wv":[[1,0]]})"),
                "wq: is 1 x 3");
  // precision "float": a number float cannot hold is named as the user wrote it, not "inf".
  r = run_cli(R"({"mode":"attend","query":[1e39],"keys":[[1]],"precision":"float"})");
  require_error(r, "query: entry 0 is 9.9999999999999994e+38, beyond float32 (|x| <= 3.4028234663852886e+38)");
  require_error(run_cli(R"({"mode":"matrix","queries":[[1]],"keys":[[1],[-4e38]],"precision":"float"})"),
                "keys: entry (1, 0)");
  // A float scale past float32 is fine: it is applied in double and the logits saturate.
  const json big_scale = solve(json::parse(R"({"mode":"attend","query":[1],"keys":[[1],[-1]],"scale":1e39,
                                               "precision":"float"})"));
  CHECK(big_scale.at("weights")[0].get<double>() == 1);
  // dimension: the limit is on the draw of the query and n keys, (n + 1) · d.
  require_error(run_cli(R"({"mode":"dimension","d":65536,"n":256})"), "n: is 256 with d = 65536");
}

TEST_CASE("cli robustness: size limits are checked before any work", "[cli]") {
  // The documented layout maximum used to take 16 s and 3.9 GB; now the CLI refuses results
  // of more than 2^21 numbers at once, with the limit in the message.
  Run r = run_cli(R"({"mode":"layout","n":16777216})");
  require_error(r, "n: is 16777216");
  CHECK_THAT(r.err, Catch::Contains("at most 2097152"));
  require_error(run_cli(R"({"mode":"layout","kind":"gaussian","n":1000000,"d":3})"), "at most 2097152");
  // The core's own limit still speaks first (the WASM build gives the same message).
  require_error(run_cli(R"({"mode":"layout","kind":"gaussian","n":16777216,"d":3})"), "expected at most 16777216");
  // matrix: m · n from a small input.
  std::string q = "[", k = "[";
  for (int i = 0; i < 2000; ++i) {
    q += std::string(i ? "," : "") + "[1]";
    k += std::string(i ? "," : "") + "[1]";
  }
  r = run_cli(R"({"mode":"matrix","queries":)" + q + "]," + R"("keys":)" + k + "]}");
  require_error(r, "queries: has m = 2000 rows and keys n = 2000");
  CHECK(solve({{"mode", "layout"}, {"n", 600000}}).at("points").size() == 600000);
}

// ---- the rest of the glossary: sparse masks, cross, paged, mla --------------------------

TEST_CASE("cli matrix: a sparse mask reports the scores computed and names bad settings", "[cli][sparse]") {
  const json x = {{1, 0}, {0, 1}, {1, 1}, {-1, 0}, {0, -1}, {1, -1}};
  const json r = solve({{"mode", "matrix"},
                        {"queries", x},
                        {"keys", x},
                        {"values", x},
                        {"mask", {{"sparse", {{"window", 2}, {"stride", 3}, {"global", {0}}, {"causal", true}}}}}});
  attn::MatrixOptions opt;
  attn::SparsePattern p;
  p.window = 2;
  p.stride = 3;
  p.global = {0};
  opt.mask = attn::Mask::sparse_pattern(p);
  const Mat<double> xm = mat(x);
  const auto ref = attn::attention_matrix<double>(xm, xm, xm, opt);
  CHECK_ALL_CLOSE(mat(r.at("weights")), ref.weights, 1e-15);
  CHECK(r.at("scores_computed").get<Index>() == ref.scores_computed);
  CHECK(r.at("computed_fraction").get<double>() == ref.computed_fraction());
  CHECK(r.at("mask").at("sparse").at("stride") == 3);
  CHECK(r.at("masked")[0][1] == 1);
  const json base = {{"mode", "matrix"}, {"queries", {{1, 0}}}, {"keys", {{1, 0}}}};
  json bad = base;
  bad["mask"] = {{"sparse", {{"window", 0}}}};
  require_error(run_cli(bad.dump()), "window: is 0");
  bad["mask"] = {{"sparse", {{"stride", -2}}}};
  require_error(run_cli(bad.dump()), "stride: is -2");
  bad["mask"] = {{"sparse", {{"global", {5}}}}};
  require_error(run_cli(bad.dump()), "global: entry 0 is 5");
}

TEST_CASE("cli cross: m target tokens attend over n source tokens", "[cli][cross]") {
  const json r = solve({{"mode", "cross"},
                        {"tokens", {{1, 0}, {0, 1}}},
                        {"source", {{1, 0}, {0, 1}, {1, 1}}},
                        {"wq", {{1, 0}, {0, 1}}},
                        {"wk", {{1, 0}, {0, 1}}},
                        {"wv", {{2, 0}, {0, 1}}}});
  CHECK(r.at("m") == 2);
  CHECK(r.at("n") == 3);
  const Mat<double> w = mat(r.at("weights"));
  REQUIRE(w.cols() == 3);
  const double e = std::exp(1.0), s = 2 * e + 1;
  CHECK_ALL_CLOSE(w.row(0), (Vec<double>(3) << e / s, 1 / s, e / s).finished().transpose(), 1e-15);
  require_error(run_cli(json({{"mode", "cross"},
                              {"tokens", {{1, 0}}},
                              {"source", {{1, 0, 0}}},
                              {"wq", {{1, 0}}},
                              {"wk", {{1, 0}}},
                              {"wv", {{1, 0}}}})
                            .dump()),
                "source: has d_model = 3");
}

TEST_CASE("cli paged: step by step, prefix sharing, paged equals contiguous", "[cli][paged]") {
  const json problem = {{"mode", "paged"},
                        {"block_size", 2},
                        {"keys", {{1, 0}, {0, 1}, {1, 1}, {0.5, 0.2}, {0.1, 0.9}}},
                        {"shared_prefix", 3},
                        {"keys_b", {{0.3, 0.3}, {1, -1}}}};
  const json r = solve(problem);
  CHECK(r.at("total_steps") == 7);
  CHECK(r.at("forked") == true);
  CHECK(r.at("max_abs_diff").get<double>() < 1e-14);
  CHECK(r.at("blocks_used") == 5);
  CHECK(r.at("blocks_without_sharing") == 6);
  CHECK(r.at("blocks_saved") == 1);
  CHECK(r.at("wasted_slots") == 2);
  CHECK(r.at("sequences")[0].at("block_table")[0] == r.at("sequences")[1].at("block_table")[0]);
  json early = problem;
  early["steps"] = 2;
  const json e = solve(early);
  CHECK(e.at("forked") == false);
  CHECK(e.at("sequences").size() == 1);
  CHECK(e.at("last").at("weights").size() == 2);
  early["steps"] = 8;
  require_error(run_cli(early.dump()), "steps: is 8");
}

TEST_CASE("cli mla: full rank equals MHA, cache sizes against MHA GQA MQA", "[cli][mla]") {
  const json r = solve({{"mode", "mla"},
                        {"tokens", {{1, 0, 0.5}, {0, 1, 0.2}, {1, 1, -0.3}, {0.2, -0.4, 1}}},
                        {"wq", {{{1, 0, 0}, {0, 1, 0}}, {{0, 1, 0}, {0, 0, 1}}}},
                        {"wk", {{{1, 0.5, 0}, {0, 1, 0}}, {{0, 1, 0.2}, {0.3, 0, 1}}}},
                        {"wv", {{{1, 0, 0}, {0, 0, 1}}, {{0, 1, 0}, {1, 0, 0}}}},
                        {"rank", 3},
                        {"rope_dim", 1}});
  CHECK(r.at("drift").at("max_weight_diff").get<double>() < 1e-12);
  CHECK_ALL_CLOSE(mat(r.at("output")), mat(r.at("mha_output")), 1e-12);
  CHECK(r.at("cache").at("mla") == 16.0);  // 4 tokens · (3 + 1)
  CHECK(r.at("cache").at("mha") == 32.0);  // 2 · 4 · 2 · 2
  CHECK(r.at("drift_by_rank")[0].at("projection_error").get<double>() > 0.1);
  require_error(run_cli(json({{"mode", "mla"},
                              {"tokens", {{1, 0}}},
                              {"wq", {{1, 0}}},
                              {"wk", {{1, 0}}},
                              {"wv", {{1, 0}}},
                              {"rank", 3}})
                            .dump()),
                "rank: is 3");
}

// ---- robustness, round 2: work limits, whole numbers, names ---------------------------------

namespace {
std::string ones(int rows, int cols) {  // [[1, ..], ..]: a small input that asks for a lot
  std::string row = "[", out = "[";
  for (int j = 0; j < cols; ++j) row += j ? ",1" : "1";
  row += "]";
  for (int i = 0; i < rows; ++i) out += (i ? "," : "") + row;
  return out + "]";
}
}  // namespace

TEST_CASE("cli robustness: small inputs that ask for too much work are named errors", "[cli][limits]") {
  // Each of these used to run for seconds or minutes, or run out of memory (issue "Robustness,
  // round 2", item 4); the core refuses them before any work, with the limit in the message.
  require_error(run_cli(R"({"mode":"matrix","kernel":"favor+","features":65536,"queries":)" + ones(128, 1) +
                        R"(,"keys":)" + ones(128, 1) + "}"),
                "features: is 65536 with 16384 query-key pairs (m · n = 128 · 128) and d = 1: favor+ costs");
  Run r = run_cli(R"({"mode":"attend","kernel":"favor+","features":65536,"query":[1],"keys":)" + ones(10000, 1) + "}");
  require_error(r, "features: is 65536 with 10000 keys");
  CHECK_THAT(r.err, Catch::Contains("expected at most 536870912; use fewer features or fewer keys"));
  r = run_cli(R"({"mode":"paged","keys":)" + ones(10000, 1) + "}");
  require_error(r, "keys: have 10000 tokens (n_a + n_b)");
  CHECK_THAT(r.err, Catch::Contains("expected at most 134217728; use fewer tokens or fewer steps"));
  require_error(run_cli(R"({"mode":"paged","keys":)" + ones(30000, 1) + "}"), "keys: have 30000 tokens");
  // Fewer steps of the same tokens are fine.
  CHECK(solve(json::parse(R"({"mode":"paged","steps":50,"keys":)" + ones(10000, 1) + "}")).at("steps") == 50);
  std::string w400 = "[[";
  for (int j = 0; j < 400; ++j) w400 += (j ? "," : "") + std::to_string(j % 7 - 3);
  w400 += "]]";
  r = run_cli(R"({"mode":"mla","tokens":)" + w400 + R"(,"wq":)" + w400 + R"(,"wk":)" + w400 + R"(,"wv":)" + w400 + "}");
  require_error(r, "wk: has d_model = 400 columns");
  CHECK_THAT(r.err, Catch::Contains("expected at most 67108864"));
  // The sweep's MLA and MHA passes: 700 tokens of d_model 16 are a small result but 16 passes.
  require_error(run_cli(R"({"mode":"mla","tokens":)" + ones(700, 16) + R"(,"wq":)" + ones(16, 16) + R"(,"wk":)" +
                        ones(16, 16) + R"(,"wv":)" + ones(16, 16) + "}"),
                "tokens: has m = 700 rows with d_model = 16, 1 heads and d_head = 16: MLA and MHA at every rank");
  // self with d_head 8000: the CLI's output cap counts q, k, v and the outputs (843 MB before).
  r = run_cli(R"({"mode":"self","tokens":)" + ones(1024, 1) + R"(,"wq":)" + ones(8000, 1) + R"(,"wk":)" +
              ones(8000, 1) + R"(,"wv":)" + ones(8000, 1) + "}");
  require_error(r, "tokens: has m = 1024 rows: q, k, v, logits, weights and outputs");
  CHECK_THAT(r.err, Catch::Contains("the CLI returns at most 2097152"));
}

TEST_CASE("cli: a whole number may be written 2 or 2.0 in every field, and a huge one is quoted as written", "[cli]") {
  const json x = {{1, 0}, {0, 1}, {1, 1}};
  json a = {{"mode", "matrix"}, {"queries", x}, {"keys", x}, {"mask", json::parse(R"({"window": 2})")}};
  json b = a;
  b["mask"] = json::parse(R"({"window": 2.0})");  // refused before, while the sparse mask took it
  CHECK(solve(b).at("weights") == solve(a).at("weights"));
  CHECK(solve(b).at("mask") == "window:2");
  a["mask"] = json::parse(R"({"topk": 2})");
  b["mask"] = json::parse(R"({"topk": 2.0})");
  CHECK(solve(b).at("weights") == solve(a).at("weights"));
  b["mask"] = json::parse(R"({"sparse": {"window": 2.0, "stride": 1.0, "global": [0.0]}})");
  CHECK(solve(b).at("mask").at("sparse").at("global") == json::parse("[0]"));
  CHECK(solve(json::parse(R"({"mode":"attend","query":[1,0],"keys":[[1,0],[0,1]],"kernel":"favor+",
                               "features":8.0,"seed":3.0})"))
            .at("weights")
            .size() == 2);
  // Past 2^53 (or with a fraction) it is an error quoting the value as the user wrote it:
  // 18446744073709551615 was reported as -1.
  b["mask"] = json::parse(R"({"window": 18446744073709551615})");
  require_error(run_cli(b.dump()), "window: is 18446744073709551615; expected a whole number");
  b["mask"] = json::parse(R"({"topk": 1.5})");
  require_error(run_cli(b.dump()), "topk: is 1.5; expected a whole number");
  b["mask"] = json::parse(R"({"sparse": {"global": [18446744073709551615]}})");
  require_error(run_cli(b.dump()), "global: entry 0 is 18446744073709551615");
  require_error(run_cli(R"({"mode":"layout","n":18446744073709551615})"), "n: is 18446744073709551615");
  require_error(run_cli(R"({"mode":"layout","kind":"random","seed":18446744073709551615})"),
                "seed: is 18446744073709551615; expected a whole number 0 <= seed <= 2^53");
  require_error(run_cli(R"({"mode":"layout","kind":"random","seed":-1})"), "seed: is -1");
  // A negative window is the core's range error, as before.
  b["mask"] = json::parse(R"({"window": -1})");
  require_error(run_cli(b.dump()), "window: is -1; expected a width w >= 1");
}

TEST_CASE("cli robustness: round 2's finite-output and naming fixes", "[cli]") {
  // favor+ in float with a huge query: log_sum_exp was null.
  const json f = solve(json::parse(R"({"mode":"attend","query":[1e20,0],"keys":[[1,0],[0,1]],"kernel":"favor+",
                                       "precision":"float"})"));
  CHECK(f.at("log_sum_exp").get<double>() == -static_cast<double>(std::numeric_limits<float>::max()));
  // mla: errors name tokens, wq, wk, wv, never the latent's W_UK or W_DKV (or a rank nobody wrote).
  require_error(run_cli(R"({"mode":"mla","tokens":[[1,0,0]],"wq":[[1,0]],"wk":[[1,0]],"wv":[[0,1]]})"),
                "tokens: have d_model = 3 columns but wk has 2");
  require_error(run_cli(R"({"mode":"mla","tokens":[[1,0]],"wq":[[1,0],[0,1]],"wk":[[1,0]],"wv":[[0,1]]})"),
                "wq: matrix 0 is 2 x 2; expected 1 x 2");
  require_error(run_cli(R"({"mode":"mla","tokens":[[1,0]],"wq":[[[1,0]],[[0,1]]],"wk":[[1,0]],"wv":[[0,1]]})"),
                "wq: has 2 matrices but there are 1 key and 1 value heads");
  require_error(run_cli(R"({"mode":"mla","tokens":[[1,0]],"wq":[[[1,0]],[[0,1]]],"wk":[[[1,0]],[[0,1,1]]],
                            "wv":[[[1,0]],[[0,1]]]})"),
                "wk: matrix 1 is 1 x 3");
  require_error(run_cli(R"({"mode":"mla","tokens":[[1,0,0]],"wq":[[1,0,0]],"wk":[[1.7e308,1.7e308,0]],
                            "wv":[[1.7e308,-1.7e308,0]]})"),
                "wk: head 0: the up-projection U_r Σ_r of the best rank-3 latent overflows");
  // dimension: the draw's size in 64 bits ("(n + 1) · d = 65536" in WASM before).
  require_error(run_cli(R"({"mode":"dimension","d":65536,"n":65536})"), "(n + 1) · d = 4295032832 numbers");
}

TEST_CASE("cli train: steps 0 gives the core's init, and the curves are the trainer's held-out evaluations",
          "[cli][train]") {
  const json init = solve({{"mode", "train"}, {"task", "cycle"}, {"tie", true}, {"steps", 0}, {"seed", 4}});
  attn::TrainSettings s;
  s.task = attn::Task::cycle;
  s.model = attn::task_config(attn::Task::cycle, 16);
  s.model.tie = true;
  s.seed = 4;
  attn::Trainer<double> trainer(s);
  const auto tensors = trainer.params().tensors();
  REQUIRE(init["params"].size() == tensors.size());  // tied: no W_K
  for (const auto& t : tensors) CHECK((mat(init["params"][t.name]) - *t.tensor).cwiseAbs().maxCoeff() == 0);
  REQUIRE(init["step"] == json::array({0}));
  CHECK(init["loss"][0].get<double>() == trainer.evaluate().loss);

  const json run = solve({{"mode", "train"}, {"task", "previous"}, {"steps", 250}, {"eval_every", 100}});
  CHECK(run["step"] == json::array({0, 100, 200, 250}));
  REQUIRE(run["accuracy"].size() == 4);
  CHECK(run["accuracy"][3].get<double>() >= 0.95);  // the defaults learn previous quickly
  CHECK(run["loss"][3].get<double>() < run["loss"][0].get<double>() / 4);
}

TEST_CASE("cli grad: the loss and gradient of the batch the seed makes, shaped like params", "[cli][train]") {
  const json params = solve({{"mode", "train"}, {"task", "lookup"}, {"heads", 2}, {"steps", 2}})["params"];
  const json g =
      solve({{"mode", "grad"}, {"task", "lookup"}, {"heads", 2}, {"params", params}, {"batch", 5}, {"seed", 9}});
  attn::ModelConfig c = attn::task_config(attn::Task::lookup, 8);
  c.heads = 2;
  attn::Params<double> p = attn::zero_params<double>(c);
  for (auto& t : p.tensors()) *t.tensor = mat(params[t.name]);
  const attn::Batch b = attn::make_batch(attn::Task::lookup, c, 5, 9);
  const auto r = attn::forward<double>(c, p, b);
  attn::Params<double> grads = attn::zero_params<double>(c);
  attn::backward<double>(c, p, b, r, grads);
  CHECK(g["loss"].get<double>() == r.loss);
  REQUIRE(g["grads"].size() == params.size());
  for (const auto& t : grads.tensors()) {
    REQUIRE(g["grads"].contains(t.name));
    CHECK((mat(g["grads"][t.name]) - *t.tensor).cwiseAbs().maxCoeff() == 0);
  }
  CHECK(g["tokens"].size() == 5);
  CHECK(g["tokens"][0][0].is_number_integer());
}

TEST_CASE("cli train and grad: bad fields are one-line errors naming them", "[cli][train]") {
  require_error(run_cli(R"({"mode": "train"})"), "task: is missing");
  require_error(run_cli(R"({"mode": "train", "task": "sort"})"), "task: is \"sort\"");
  require_error(run_cli(R"({"mode": "train", "task": "cycle", "heads": 3})"), "heads");
  require_error(run_cli(R"({"mode": "train", "task": "cycle", "steps": -1})"), "steps: is -1");
  require_error(run_cli(R"({"mode": "train", "task": "cycle", "lr": 0})"), "learning_rate: is 0");
  require_error(run_cli(R"({"mode": "train", "task": "cycle", "scale": "big"})"), "scale: is \"big\"");
  require_error(run_cli(R"({"mode": "train", "task": "cycle", "d_model": 512, "batch": 4096})"), "batch:");
  require_error(run_cli(R"({"mode": "grad", "task": "cycle"})"), "params: is missing");
  require_error(run_cli(R"({"mode": "grad", "task": "cycle", "params": {"W": [[1]]}})"),
                "W: is not a field of mode \"params\"");
  require_error(run_cli(R"({"mode": "grad", "task": "cycle", "params": {}})"),
                "token_embedding: is missing from params");
}

TEST_CASE("cli view: the query's view, with the library's numbers", "[cli][view]") {
  // Two keys at 0 and pi, q along +x: x = (1, -1), y = 0, the weights of attend's two-keys example.
  json r = solve(json::parse(R"({"mode":"view","query":[1,0],"keys":[[1,0],[-1,0]],"values":[[1,2],[3,4]]})"));
  CHECK(r.at("mode") == "view");
  CHECK(r.at("d") == 2);
  CHECK(r.at("x") == json::parse("[1.0, -1.0]"));
  CHECK(r.at("y") == json::parse("[0.0, 0.0]"));
  CHECK(r.at("basis").dump() == "[[1.0,0.0],[0.0,1.0]]");  // +0, never -0
  CHECK_CLOSE(r.at("weights")[0].get<double>(), 0.88079707797788244, 1e-14, 0);
  CHECK_CLOSE(r.at("output")[0].get<double>(), 1.2384058440442351, 1e-14, 0);
  CHECK(r.at("explained") == 1.0);
  CHECK(r.at("captured") == json::parse("[1.0, 1.0]"));
  // d = 5 with every option: the CLI's numbers are the library's.
  const Mat<double> k = gaussian<double>(7, 5, 31), v = gaussian<double>(7, 2, 32);
  const Vec<double> q = gaussian_vec<double>(5, 33);
  json p = {{"mode", "view"}, {"query", json::array()}, {"keys", json::array()}, {"values", json::array()},
            {"scale", 0.5},   {"alpha", 1.5},           {"sink", 0.2},           {"normalize_keys", true}};
  for (Index j = 0; j < 5; ++j) p["query"].push_back(q(j));
  for (Index i = 0; i < 7; ++i) {
    p["keys"].push_back(json(std::vector<double>(k.row(i).data(), k.row(i).data() + 5)));
    p["values"].push_back(json(std::vector<double>(v.row(i).data(), v.row(i).data() + 2)));
  }
  r = solve(p);
  attn::ViewOptions opt;
  opt.scale = 0.5;
  opt.alpha = 1.5;
  opt.sink = 0.2;
  opt.normalize_keys = true;
  const attn::QueryView lib = attn::query_view(q, k, v, opt);
  CHECK(vec(r.at("x")) == lib.x);
  CHECK(vec(r.at("y")) == lib.y);
  CHECK(vec(r.at("weights")) == lib.weights);
  CHECK(vec(r.at("logits")) == lib.logits);
  CHECK(vec(r.at("output")) == lib.output);
  CHECK(vec(r.at("captured")) == lib.captured);
  CHECK(mat(r.at("basis")) == lib.basis);
  CHECK(r.at("explained").get<double>() == lib.explained);
  CHECK(r.at("method") == "lanczos");
  CHECK(r.at("sink_weight").get<double>() == lib.stats.sink_weight);
  // Without values there is no output field.
  CHECK_FALSE(solve(json::parse(R"({"mode":"view","query":[1,0,0],"keys":[[1,2,3]]})")).contains("output"));
}

TEST_CASE("cli joint: the joint map, with the library's numbers", "[cli][view]") {
  const Mat<double> q = gaussian<double>(4, 3, 41), k = gaussian<double>(5, 3, 42);
  json p = {{"mode", "joint"}, {"queries", json::array()}, {"keys", json::array()}};
  for (Index i = 0; i < 4; ++i) p["queries"].push_back(json(std::vector<double>(q.row(i).data(), q.row(i).data() + 3)));
  for (Index i = 0; i < 5; ++i) p["keys"].push_back(json(std::vector<double>(k.row(i).data(), k.row(i).data() + 3)));
  const json r = solve(p);
  const attn::JointMap lib = attn::joint_map(q, k);
  CHECK(r.at("mode") == "joint");
  CHECK(mat(r.at("queries")) == lib.queries);
  CHECK(mat(r.at("keys")) == lib.keys);
  CHECK(vec(r.at("shift")) == lib.shift);
  CHECK(r.at("ratio").get<double>() == lib.ratio);
  CHECK(r.at("correlation").at("full").get<double>() == lib.correlation_full);
  CHECK(r.at("correlation").at("map").get<double>() == lib.correlation_map);
  CHECK(r.at("correlation").at("pairs") == 20);
}

TEST_CASE("cli view and joint: errors are one line naming the field", "[cli][view]") {
  require_error(run_cli(R"({"mode":"view","query":[1,0,0],"keys":[[1,0]]})"),
                "query: has length 3 but keys have dimension d = 2");
  require_error(run_cli(R"({"mode":"view","query":[1,0],"keys":[]})"), "keys: must be a non-empty array");
  require_error(run_cli(R"({"mode":"view","query":[1,0],"keys":[[1,0]],"values":[[1],[2]]})"),
                "values: have 2 rows but there are 1 keys");
  require_error(run_cli(R"({"mode":"view","query":[1,0],"keys":[[1,0]],"alpha":3})"), "alpha: is 3");
  require_error(run_cli(R"({"mode":"view","query":[1,0],"keys":[[1,0]],"mask":"causal"})"),
                "mask: is not a field of mode \"view\"");
  require_error(run_cli(R"({"mode":"view","query":[1,0],"keys":[[1,0]],"keys_path":"k.npy"})"), "keys_path");
  require_error(run_cli(R"({"mode":"joint","queries":[[1,0,0]],"keys":[[1,0]]})"),
                "queries: have dimension 3 but keys have d = 2");
  require_error(run_cli(R"({"mode":"joint","queries":[[1,0]]})"), "keys: is missing; mode \"joint\" needs it");
  require_error(run_cli(R"({"mode":"joint","queries":[[1,0]],"keys":[[1,"a"]]})"), "keys: row 0 has \"a\" at 1");
  // The result cap counts 5 numbers per key.
  require_error(run_cli(R"({"mode":"view","query":[1],"keys":)" + ones(420000, 1) + "}"),
                "keys: has n = 420000 keys of d = 1: x, y, logits, weights, captured and the basis are");
}
