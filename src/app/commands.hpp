#pragma once
//! The `mashang` command line: serve, migrate, demo, user add, backup, routes, version.
namespace mashang::app {
int run_cli(int argc, char** argv);
}
