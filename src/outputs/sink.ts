/**
 * The output sink contract (Falco's falco::outputs::abstract_output, userspace/falco/outputs.h):
 * a destination that receives already-rendered alert lines in order. Sinks are driven by the
 * `Outputs` manager (src/outputs/sinks.ts), one bounded queue and one writer loop per sink, so a
 * slow or failing sink never delays another one or the detection loop.
 */
import type { Alert } from "./alert.ts";

/** One queued alert with its rendered line (no trailing newline). */
export interface SinkItem {
  readonly alert: Alert;
  /** The rendered alert: text line, or JSON object when `json` is true. */
  readonly line: string;
  /** True if `line` is JSON. */
  readonly json: boolean;
}

/** An output destination. */
export interface Sink {
  /** Output name as in Falco's config ("stdout", "file", "syslog", "program", "http"). */
  readonly name: string;
  /**
   * True if the sink needs the JSON form regardless of `json_output` (the HTTP sink, for
   * Falcosidekick), rendered with a non-empty `output_fields`.
   */
  readonly wantsJson: boolean;
  /** Largest batch the sink accepts in one write (default unlimited; HTTP: 1 request per alert). */
  readonly maxBatch?: number;
  /**
   * Write a batch in order. Resolves when written (or handed to the OS).
   * @throws on failure; SinkWriteError when only some items failed.
   */
  write(batch: SinkItem[]): Promise<void>;
  /** Push out any buffered data (Falco cleanup()). */
  flush?(): Promise<void>;
  /** Close and reopen the destination (SIGUSR1 / log rotation; Falco reopen()). */
  reopen?(): Promise<void>;
  /** Release resources. Pending buffered data is written first when possible. */
  close(): Promise<void>;
}

/** A sink write that failed for `count` items of the batch (the others were written). */
export class SinkWriteError extends Error {
  constructor(
    message: string,
    readonly count: number,
    /** True when the failure was already reported and should not be logged again. */
    readonly quiet = false,
  ) {
    super(message);
    this.name = "SinkWriteError";
  }
}
