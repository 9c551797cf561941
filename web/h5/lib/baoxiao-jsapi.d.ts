// Type declarations for baoxiao-jsapi.js (window.BaoxiaoJSAPI, the ES
// module baoxiao-jsapi.mjs and require('baoxiao-jsapi')).

/** One invoice picked in the card wallet (卡包). */
export interface PickedInvoice {
  card_id: string;
  encrypt_code: string;
  /** The issuer's app id; "" when WeChat did not say. */
  app_id: string;
}

export interface Options {
  /** baoxiao's origin, e.g. "https://bx.example.com"; "" (default) is this page's origin. */
  apiBase?: string;
  /** Where baoxiao's page config lives; default apiBase + "/h5/config.json". */
  configURL?: string;
  /** The page config itself, instead of fetching configURL. */
  config?: { jweixin_url?: string; sandbox?: boolean } | null;
  /** The JS-SDK to load when the page has none; default config.jweixin_url. */
  sdkURL?: string;
  /** "zh-CN", "en", …; default navigator.language. */
  lang?: string;
  /** Bound on every network step and on WeChat's config answer, in ms (default 20000). */
  timeout?: number;
}

export interface ChooseOptions extends Options {
  /** Also import the picked invoices into baoxiao (POST /api/v1/invoices/import). */
  import?: boolean;
}

/** An invoice as baoxiao's API returns it (API.md, "Invoice"). */
export interface Invoice {
  id: string;
  [field: string]: unknown;
}

export interface ImportFailure {
  card_id: string;
  encrypt_code: string;
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export interface ChooseResult {
  items: PickedInvoice[];
  /** With import: true. */
  imported?: Invoice[];
  /** With import: true: items baoxiao refused, each with its reason. */
  failed?: ImportFailure[];
}

export type ErrorCode =
  | 'cancelled' | 'not_in_wechat' | 'wrong_app' | 'script' | 'signature' | 'domain' | 'config'
  | 'permission' | 'unsupported' | 'wechat' | 'network' | 'timeout' | 'auth' | 'api' | 'empty';

/** WeChat's own words for a failure, as far as it gave them. */
export interface WeChatFailure {
  errMsg: string;
  errCode: number | string | null;
  errDesc: string;
}

export declare class BaoxiaoJSAPIError extends Error {
  name: 'BaoxiaoJSAPIError';
  code: ErrorCode;
  /** Set when WeChat answered (config, agentConfig, chooseInvoice). */
  wechat?: WeChatFailure;
  /** Set on "auth" and "api": baoxiao's error. */
  status?: number;
  apiError?: { code: string; message: string; details?: Record<string, unknown> };
  /** An import that failed part-way: what was imported before. */
  partial?: { imported: Invoice[]; failed: ImportFailure[] };
  /** chooseInvoices with import: the items that were picked. */
  items?: PickedInvoice[];
  raw?: unknown;
}

export interface Normalised {
  status: 'ok' | 'cancel' | 'fail';
  message: string;
  keyword: string;
  err_code: number | string | null;
  err_desc: string;
  items: PickedInvoice[];
  dropped: unknown[];
}

export interface State {
  env: 'wechat' | 'wecom' | 'sandbox' | 'browser';
  channel: 'oa' | 'work';
  url: string;
  sdk: 'wx' | 'ww';
}

export interface BaoxiaoJSAPI {
  readonly version: string;
  readonly Error: typeof BaoxiaoJSAPIError;
  /** Configure, open the picker, resolve with the picked items (and the import's answer with import: true). */
  chooseInvoices(opts?: ChooseOptions): Promise<ChooseResult>;
  /** Configure the JS-SDK for this page early (optional; chooseInvoices does it). */
  init(opts?: Options): Promise<State>;
  chooseInvoice(opts?: Options): Promise<PickedInvoice[]>;
  importInvoices(items: PickedInvoice[], opts?: Options): Promise<{ imported: Invoice[]; failed: ImportFailure[] }>;
  /** The H5 pages' call: { imported, failed, picked }. */
  chooseAndImport(opts?: Options): Promise<{ imported: Invoice[]; failed: ImportFailure[]; picked: number }>;
  /** Reads a chooseInvoice answer in any of WeChat's shapes. */
  normalise(result: unknown): Normalised;
  outcome(result: unknown): Omit<Normalised, 'items' | 'dropped'>;
  /** The URL a signature covers: href without "#…". */
  pageURL(href: string): string;
  detectEnv(userAgent: string, sandbox?: boolean): State['env'];
  /** A line for the user about one failed import item. */
  describeFailure(failure: ImportFailure): string;
  message(key: string, arg?: unknown): string;
  readonly state: State | null;
}

declare const BaoxiaoJSAPI: BaoxiaoJSAPI;
export default BaoxiaoJSAPI;
export declare const version: string;
export declare const chooseInvoices: BaoxiaoJSAPI['chooseInvoices'];
export declare const init: BaoxiaoJSAPI['init'];
export declare const chooseInvoice: BaoxiaoJSAPI['chooseInvoice'];
export declare const importInvoices: BaoxiaoJSAPI['importInvoices'];
export declare const chooseAndImport: BaoxiaoJSAPI['chooseAndImport'];
export declare const normalise: BaoxiaoJSAPI['normalise'];
export declare const outcome: BaoxiaoJSAPI['outcome'];
export declare const pageURL: BaoxiaoJSAPI['pageURL'];
export declare const detectEnv: BaoxiaoJSAPI['detectEnv'];
export declare const describeFailure: BaoxiaoJSAPI['describeFailure'];
export declare const message: BaoxiaoJSAPI['message'];
export { BaoxiaoJSAPIError as Error };

declare global {
  interface Window {
    BaoxiaoJSAPI: BaoxiaoJSAPI;
  }
}
