import { type Command, GLOBAL_OPTIONS, type OptionSpec } from "./args.js";

const optionLabel = (name: string, spec: OptionSpec) =>
  `${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.value ? ` ${spec.value}` : ""}`;

function optionLines(specs: Record<string, OptionSpec>): string[] {
  const labels = Object.entries(specs).map(([name, spec]) => [optionLabel(name, spec), spec.help] as const);
  const width = Math.max(...labels.map(([label]) => label.length));
  return labels.map(([label, help]) => `  ${label.padEnd(width)}  ${help}`);
}

function commandLines(commands: Command[]): string[] {
  const width = Math.max(...commands.map((c) => c.path.join(" ").length));
  return commands.map((c) => `  ${c.path.join(" ").padEnd(width)}  ${c.summary}`);
}

function usageLine(command: Command): string {
  const parts = Object.entries(command.options).map(([name, spec]) => {
    const text = `--${name}${spec.value ? ` ${spec.value}` : ""}`;
    return spec.required ? text : `[${text}]`;
  });
  return ["Usage: orgwire", ...command.path, ...parts].join(" ");
}

/** `orgwire --help`, `orgwire audit --help` (a group) or `orgwire audit tail --help`. */
export function helpText(path: string[], commands: Command[]): string {
  const command = commands.find((c) => c.path.join(" ") === path.join(" "));
  if (command) {
    return [
      usageLine(command),
      "",
      command.summary,
      ...(command.details ? ["", ...command.details] : []),
      "",
      "Options:",
      ...optionLines(command.options),
      "",
      "Global options:",
      ...optionLines(GLOBAL_OPTIONS),
      "",
    ].join("\n");
  }
  if (path.length > 0) {
    const group = commands.filter((c) => c.path[0] === path[0]);
    return [
      `Usage: orgwire ${path[0]} <command> [options]`,
      "",
      "Commands:",
      ...commandLines(group),
      "",
      `Run 'orgwire ${path[0]} <command> --help' for a command's options.`,
      "",
    ].join("\n");
  }
  return [
    "orgwire: the Orgwire ops CLI",
    "",
    "Usage: orgwire <command> [options]",
    "",
    "Commands:",
    ...commandLines(commands),
    "",
    "Global options:",
    ...optionLines({ ...GLOBAL_OPTIONS, version: { type: "boolean", short: "V", help: "print the version" } }),
    "",
    "Token: --token, $ORGWIRE_TOKEN, or the config file that 'orgwire login' writes:",
    "$ORGWIRE_CONFIG, else ~/.config/orgwire/config.json (under $XDG_CONFIG_HOME when that is set).",
    "Colors only on a terminal, and never with NO_COLOR set.",
    "Exit codes: 0 ok, 1 error (API error, broken audit chain, refused subscription), 2 bad command line.",
    "",
    "Run 'orgwire <command> --help' for a command's options.",
    "",
  ].join("\n");
}
