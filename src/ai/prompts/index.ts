// Every prompt the runtime may use. A prompt is addressed by id@version.
import { draftWriterPrompt } from "./draft-writer.js";
import { inboundAnalysisPrompt } from "./inbound-analysis.js";
import { nextBestActionPrompt } from "./next-best-action.js";
import { qualificationAssistPrompt } from "./qualification-assist.js";
import { requestDetectionPrompt } from "./request-detection.js";
import { threadReaderPrompt } from "./thread-reader.js";

export const PROMPTS = [
  inboundAnalysisPrompt,
  requestDetectionPrompt,
  threadReaderPrompt,
  draftWriterPrompt,
  nextBestActionPrompt,
  qualificationAssistPrompt,
] as const;

export {
  draftWriterPrompt,
  inboundAnalysisPrompt,
  nextBestActionPrompt,
  qualificationAssistPrompt,
  requestDetectionPrompt,
  threadReaderPrompt,
};
