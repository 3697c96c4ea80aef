import { createReadStream, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { XGBoostScorer } from '@smart-factory/xgboost';
import type { CommandIO } from './command';

/**
 * Shared file handling for every command, so that each one behaves the same way:
 * - `-` is stdin for an input and stdout for an output;
 * - an error names the option and the path ("--input data/: is a folder, expected a file"), checked before any work;
 * - an error quotes at most a short prefix of what the user gave (`quote`, `clipLongRuns`).
 */

/** The longest part of a user's input an error message repeats. */
export const QUOTE_LIMIT = 40;

/** JSON-quotes `text`, cut to its first `max` characters with the full length named when longer. */
export function quote(text: string, max = QUOTE_LIMIT): string {
  if (text.length <= max) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, max))}… (${text.length} characters)`;
}

/**
 * Shortens every run of more than `maxRun` characters without white space in a message (a 50 MB field echoed by a
 * parser) to its prefix and its length. The last line of defence in `main`; commands quote with `quote`.
 */
export function clipLongRuns(message: string, maxRun = 200): string {
  if (message.length <= maxRun) return message;
  return message.replace(
    new RegExp(`\\S{${maxRun + 1},}`, 'g'),
    (run) => `${run.slice(0, QUOTE_LIMIT)}… (${run.length} characters)`
  );
}

/** How an error names a file: `--input data.csv`, or `--to file:out.jsonl` for an option spelt `to file:`. */
export function named(option: string, path: string): string {
  return option.endsWith(':') ? `--${option}${path}` : `--${option} ${path}`;
}

/** An error about a file named by an option, phrased the same way by every command. */
export function fileError(option: string, path: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const what = named(option, path);
  switch (code) {
    case 'ENOENT':
      return new Error(`${what}: no such file`);
    case 'EISDIR':
      return new Error(`${what}: is a folder, expected a file`);
    case 'ENOTDIR':
      return new Error(`${what}: a part of the path is not a folder`);
    case 'EACCES':
    case 'EPERM':
      return new Error(`${what}: permission denied`);
    default:
      return new Error(`${what}: ${(e as Error).message}`);
  }
}

/** Throws `fileError` unless `path` is an existing regular file (or `-`). */
export function checkInputFile(option: string, path: string): void {
  if (path === '-') return;
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw fileError(option, path, e);
  }
  if (isDir) throw fileError(option, path, { code: 'EISDIR' });
}

/** Throws `fileError` unless `path` can be created or overwritten (its folder exists, it is not a folder) or is `-`. */
export function checkOutputFile(option: string, path: string): void {
  if (path === '-') return;
  let st;
  try {
    st = statSync(path, { throwIfNoEntry: false });
  } catch (e) {
    throw fileError(option, path, e);
  }
  if (st?.isDirectory()) throw fileError(option, path, { code: 'EISDIR' });
  if (st) return;
  const dir = dirname(resolve(path));
  let parent;
  try {
    parent = statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${named(option, path)}: the folder ${dir} does not exist`);
    throw fileError(option, path, e);
  }
  if (!parent.isDirectory()) throw fileError(option, path, { code: 'ENOTDIR' });
}

/** Opens an input for streaming: stdin for `-`, else the file, checked first so errors name the option. */
export function openInput(option: string, path: string, io: CommandIO, highWaterMark?: number): NodeJS.ReadableStream {
  checkInputFile(option, path);
  return path === '-' ? io.stdin : createReadStream(path, highWaterMark ? { highWaterMark } : {});
}

/** Reads a whole input (a file, or stdin for `-`) as UTF-8 text. */
export async function readInputText(option: string, path: string, io: CommandIO): Promise<string> {
  checkInputFile(option, path);
  if (path === '-') {
    let text = '';
    io.stdin.setEncoding?.('utf8');
    for await (const chunk of io.stdin) text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    return text;
  }
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw fileError(option, path, e);
  }
}

/** Writes a whole output (a file, or stdout for `-`). */
export async function writeOutputText(option: string, path: string, text: string, io: CommandIO): Promise<void> {
  if (path === '-') {
    if (!io.stdout.write(text)) await new Promise((r) => io.stdout.once('drain', r));
    return;
  }
  try {
    await writeFile(path, text);
  } catch (e) {
    throw fileError(option, path, e);
  }
}

/** Loads an XGBoost model named by an option; every error names the option and the file. */
export function loadScorer(
  option: string,
  path: string,
  options?: Parameters<typeof XGBoostScorer.fromPath>[1]
): XGBoostScorer {
  checkInputFile(option, path);
  try {
    return XGBoostScorer.fromPath(path, options);
  } catch (e) {
    throw withPath(option, path, e);
  }
}

/** `e` as an error that names `--option path` (once: messages that already start with the path keep it). */
export function withPath(option: string, path: string, e: unknown): Error {
  if ((e as NodeJS.ErrnoException | undefined)?.code) return fileError(option, path, e);
  const message = (e as Error).message;
  return new Error(message.startsWith(path) ? `--${option} ${message}` : `--${option} ${path}: ${message}`);
}
