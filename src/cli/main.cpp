// salesproc's entry point. Everything it does starts in the cli stage: cli_main (cli/cli.hpp)
// parses `salesproc ...` or `salesproc merge ...`, runs it and maps the outcome to an exit code.
#include "salesproc/cli/cli.hpp"

int main(int argc, char** argv) {
    return salesproc::cli_main(argc, argv);
}
