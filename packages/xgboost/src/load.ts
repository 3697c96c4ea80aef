import { readFileSync } from 'node:fs';
import { gunzip, isGzip, isTar, readTar } from './archive';
import { parseLegacyBinary } from './binary';
import { ModelFormatError } from './errors';
import { parseXGBoostJson } from './json';
import { modelFromDocument, type XGBoostModel } from './model';
import { parseUbjson } from './ubjson';

export const PICKLE_MESSAGE =
  'this is a Python pickle of an XGBoost Booster (SageMaker XGBoost 1.2-2 and older containers pickle their models); ' +
  'pickles are not loaded (unpickling runs arbitrary code). Fix: load it once with the XGBoost version that trained it ' +
  'and re-save it with Booster.save_model("xgboost-model") (or "model.json"), or retrain with SageMaker XGBoost 1.3-1 or newer';

function isPickle(b: Uint8Array): boolean {
  // Protocol 2+ pickles start with PROTO (0x80) and the protocol number.
  return b.length >= 2 && b[0] === 0x80 && b[1]! >= 2 && b[1]! <= 5;
}

/** Detects the format from the bytes (not the file name) and decodes one XGBoost model file. */
export function parseModelFile(bytes: Uint8Array, name = 'model'): XGBoostModel {
  if (bytes.length === 0) throw new ModelFormatError(`${name}: empty file`);
  if (isPickle(bytes)) throw new ModelFormatError(`${name}: ${PICKLE_MESSAGE}`);
  try {
    if (bytes[0] === 0x7b /* { */) {
      let i = 1;
      while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09))
        i++;
      if (bytes[i] === 0x22 /* " */ || bytes[i] === 0x7d) {
        const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
        return modelFromDocument(parseXGBoostJson(text), 'json');
      }
      return modelFromDocument(parseUbjson(bytes), 'ubjson');
    }
    if (bytes.length >= 4 && Buffer.from(bytes.buffer, bytes.byteOffset, 4).toString('latin1') === 'binf') {
      return parseLegacyBinary(bytes);
    }
    if (bytes.length >= 4 && Buffer.from(bytes.buffer, bytes.byteOffset, 4).toString('latin1') === 'bs64') {
      throw new ModelFormatError('base64 ("bs64") legacy models are not supported; re-save with Booster.save_model');
    }
  } catch (e) {
    if (e instanceof ModelFormatError) throw new ModelFormatError(`${name}: ${e.message}`);
    throw new ModelFormatError(`${name}: cannot decode the model: ${(e as Error).message}`);
  }
  throw new ModelFormatError(
    `${name}: not an XGBoost model (expected legacy binary "binf", JSON or UBJSON; first bytes ${Buffer.from(
      bytes.subarray(0, 8)
    ).toString('hex')})`
  );
}

/**
 * Loads the model file(s) from bytes: a SageMaker model.tar.gz (or plain tar) holding `xgboost-model` or the k-fold set
 * `xgboost-model-0..k-1`, or a single model file. Returns one model per file (an ensemble when more than one).
 */
export function parseModelBytes(bytes: Uint8Array, name = 'model'): XGBoostModel[] {
  let b = bytes;
  if (isGzip(b)) b = gunzip(b);
  if (isTar(b)) {
    const files = readTar(b).filter((e) => {
      const base = e.name.split('/').pop() ?? '';
      return base !== '' && !base.startsWith('.');
    });
    if (files.length === 0) throw new ModelFormatError(`${name}: the archive holds no model file`);
    // SageMaker serving loads every regular file in the model directory; order the k-fold set by fold number.
    files.sort((a, c) => a.name.localeCompare(c.name, 'en', { numeric: true }));
    return files.map((f) => parseModelFile(f.data, `${name}:${f.name}`));
  }
  return [parseModelFile(b, name)];
}

export function readModelPath(path: string): XGBoostModel[] {
  return parseModelBytes(readFileSync(path), path);
}
