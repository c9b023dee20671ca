// Catch2's main(), compiled once (see tests/CMakeLists.txt) and shared by every test program.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
