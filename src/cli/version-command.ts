// `bst-cas-run --version`: only the long form, since `-v` means `--verbose`.
import { Command } from "clipanion";

/** Prints the version. */
export class VersionCommand extends Command {
  static override paths = [["--version"]];

  override async execute(): Promise<void> {
    this.context.stdout.write(`${this.cli.binaryVersion ?? "unknown"}\n`);
  }
}
