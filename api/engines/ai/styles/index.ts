/** The API styles by name. */
import type { ApiStyleName } from '../providers.js';
import { anthropicStyle } from './anthropic.js';
import { openAiStyle } from './openai.js';
import type { ApiStyle } from './style.js';

export const STYLES: Readonly<Record<ApiStyleName, ApiStyle>> = { openai: openAiStyle, anthropic: anthropicStyle };
