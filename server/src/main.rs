fn main() {
    std::process::exit(flyway_lsp::cli::main());
}
