// baoxiao-jsapi.mjs: the helper as an ES module. The classic script
// beside it does the work (and also sets globalThis.BaoxiaoJSAPI), so one
// file serves <script>, import and require() without a build step.
import './baoxiao-jsapi.js';

const BaoxiaoJSAPI = globalThis.BaoxiaoJSAPI;
export default BaoxiaoJSAPI;
export const {
  version, Error, chooseInvoices, init, chooseInvoice, importInvoices, chooseAndImport,
  normalise, outcome, pageURL, detectEnv, describeFailure, message,
} = BaoxiaoJSAPI;
