fn main() -> std::process::ExitCode {
    shopwave::cli::main()
}
