export { track, logCall } from './track.js';
export type { TrackedCall } from './track.js';
export { configure, flush, shutdown, stats } from './runtime.js';
export type { SdkOptions } from './config.js';
export type { RotationOptions } from './rotation.js';
export type { SinkStats } from './jsonl-sink.js';
export type { CallLine, CallOptions, CallStatus, LoggedCall, TokenCounts } from './call-event.js';
export { UsageAnalyzer } from './usage-analyzer.js';
export type { AnalyzerOptions, SkippedLine, UsageStats, UsageSummary, UserReport } from './usage-analyzer.js';
