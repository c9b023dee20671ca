// attention-cli: one JSON problem in (file or stdin), one JSON result out.
// On any error: exit code 2, one line on stderr, nothing on stdout.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "cli/problem.hpp"

namespace {
int fail(const std::string& message) {
  std::cerr << "attention-cli: " << attn::cli::error_line(message) << '\n';  // the contract is one line
  return 2;
}
}  // namespace

int main(int argc, char** argv) {
  const std::string arg = argc > 1 ? argv[1] : "-";
  if (arg == "-h" || arg == "--help") {
    std::cout << "usage: attention-cli [FILE|-]\n"
                 "Reads one JSON problem (mode attend, matrix, stream, layout, vonmises, self, dimension,\n"
                 "cross, paged, mla, train, grad, view or joint) and writes\n"
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
    const std::string result = attn::cli::run(text.str());
    std::cout << result << '\n';
    return 0;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}
