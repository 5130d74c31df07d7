#include "app/commands.hpp"

int main(int argc, char** argv) { return mashang::app::run_cli(argc, argv); }
