// attention-cli: one JSON problem in (file or stdin), one JSON result out.
// On any error: exit code 2, one line on stderr, nothing on stdout.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "attn/errors.hpp"
#include "cli/problem.hpp"

namespace {
int fail(const std::string& message) {
  std::string line = message;
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';  // the contract is one line
  std::cerr << "attention-cli: " << line << '\n';
  return 2;
}
}  // namespace

int main(int argc, char** argv) {
  const std::string arg = argc > 1 ? argv[1] : "-";
  if (arg == "-h" || arg == "--help") {
    std::cout << "usage: attention-cli [FILE|-]\n"
                 "Reads one JSON problem (mode attend, matrix, stream, layout or vonmises) and writes\n"
                 "the JSON result to stdout. Errors: exit code 2 and one line on stderr. See docs/cli.md.\n";
    return 0;
  }
  if (argc > 2) return fail("expected at most one argument, the problem file (or - for stdin)");
  try {
    std::stringstream text;
    if (arg == "-") {
      text << std::cin.rdbuf();
    } else {
      std::ifstream file(arg);
      if (!file) return fail("cannot read problem file \"" + arg + "\"");
      text << file.rdbuf();
    }
    const nlohmann::json problem = nlohmann::json::parse(text.str());
    const std::string result = attn::cli::solve(problem).dump(2);
    std::cout << result << '\n';
    return 0;
  } catch (const nlohmann::json::exception& e) {  // only parsing can throw these here
    return fail(std::string("problem: not valid JSON (") + e.what() + ")");
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}
