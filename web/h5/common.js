/*
 * common.js: what every baoxiao page shares: the i18n table, the API
 * fetch wrapper (JSON, same-origin cookie, 401 → login), money formatting
 * on strings (never floats), error rendering and a tiny DOM builder.
 * Exposed as the global BX.
 */
(function (global) {
  'use strict';

  const zh = /^zh/i.test(navigator.language || 'zh');
  document.documentElement.lang = zh ? 'zh-CN' : 'en';

  // T holds [Chinese, English] for every label the pages show.
  const T = {
    app: ['报销', 'Baoxiao'],
    nav_mine: ['我的报销', 'My expenses'],
    nav_approve: ['审批', 'Approvals'],
    nav_finance: ['财务', 'Finance'],
    nav_admin: ['管理', 'Admin'],
    notices: ['通知', 'Notices'],
    notices_unread: ['未读通知', 'unread notices'],
    notices_none: ['暂无通知', 'No notices'],
    notices_read_all: ['全部已读', 'Mark all read'],
    logout: ['退出', 'Sign out'],
    forbidden_title: ['没有权限', 'No permission'],
    forbidden_text: ['你的角色不能使用此页面。如需使用，请联系管理员。', 'Your roles do not give access to this page. Ask an administrator if you need it.'],
    forbidden_home: ['返回我的首页', 'Go to my home page'],
    loading: ['加载中…', 'Loading…'],
    load_more: ['加载更多', 'Load more'],
    retry: ['重试', 'Retry'],
    back: ['← 返回', '← Back'],
    cancel: ['取消', 'Cancel'],
    save: ['保存', 'Save'],
    // employee page
    my_invoices: ['我的发票', 'My invoices'],
    import_invoices: ['导入发票', 'Import invoices'],
    pc_import_link: ['用手机扫码导入', 'Import with your phone (QR)'],
    importing: ['正在从卡包导入…', 'Importing from the card wallet…'],
    imported_n: ['已导入 {0} 张发票', '{0} invoice(s) imported'],
    upload_files: ['上传发票文件', 'Upload invoice files'],
    upload_hint: ['支持 XML、OFD、PDF、二维码图片和 ZIP，可多选或拖放到此处', 'XML, OFD, PDF, QR images and ZIP; pick several or drop them here'],
    mail_to: ['也可以把发票邮件发送或转发到', 'You can also send or forward invoice mail to'],
    uploading: ['正在上传…', 'Uploading…'],
    out_imported: ['已导入', 'Imported'],
    out_attached: ['已附加到已有发票', 'Attached to your invoice'],
    out_duplicate: ['重复', 'Duplicate'],
    out_refused: ['未接受', 'Refused'],
    out_unreadable: ['无法识别', 'Unreadable'],
    needs_fields: ['待补全：{0}', 'To complete: {0}'],
    complete_invoice: ['补全信息', 'Complete'],
    f_code: ['发票代码', 'Invoice code'],
    f_number: ['发票号码', 'Invoice number'],
    f_issued_on: ['开票日期', 'Issue date'],
    f_amount: ['价税合计', 'Total (with tax)'],
    f_without_tax: ['金额（不含税）', 'Amount without tax'],
    f_tax: ['税额', 'Tax'],
    f_seller: ['销售方名称', 'Seller'],
    warn_file_review: ['信息待补全', 'Fields to complete'],
    dup_by: ['已由 {0} 导入', 'imported by {0}'],
    dup_in: ['在报销单 {0} 中', 'in report {0}'],
    src_wallet: ['卡包', 'Wallet'],
    src_upload: ['上传', 'Upload'],
    col_source: ['来源', 'Source'],
    src_mail: ['邮件', 'Mail'],
    src_erp: ['ERP', 'ERP'],
    cancelled_badge: ['已红冲', 'Cancelled'],
    open_original: ['查看原件', 'Original'],
    failed_n: ['{0} 张导入失败', '{0} invoice(s) failed'],
    tab_all: ['全部', 'All'],
    tab_available: ['可报销', 'Available'],
    tab_in_report: ['报销单中', 'In a report'],
    tab_reimbursed: ['已报销', 'Reimbursed'],
    no_invoices: ['还没有发票。点“导入发票”从微信卡包添加。', 'No invoices yet. Tap “Import invoices” to add some from the card wallet.'],
    no_invoices_filter: ['没有符合条件的发票', 'No invoices here'],
    selected: ['已选 {0} 张 · 合计 {1}', '{0} selected · total {1}'],
    new_report: ['新建报销单', 'New report'],
    report_title: ['报销单标题', 'Report title'],
    report_title_default: ['报销 {0}', 'Expenses {0}'],
    create: ['创建', 'Create'],
    created: ['报销单已创建', 'Report created'],
    my_reports: ['我的报销单', 'My reports'],
    no_reports: ['还没有报销单', 'No reports yet'],
    invoices_n: ['{0} 张发票', '{0} invoice(s)'],
    // report view
    number: ['单号', 'Number'],
    employee: ['申请人', 'Employee'],
    approver: ['审批人', 'Approver'],
    total: ['合计', 'Total'],
    sync: ['微信同步', 'WeChat sync'],
    submitted_at: ['提交时间', 'Submitted'],
    decided_at: ['审批时间', 'Decided'],
    invoices: ['发票', 'Invoices'],
    history: ['处理记录', 'History'],
    submit: ['提交审批', 'Submit'],
    resubmit: ['重新提交', 'Resubmit'],
    withdraw: ['撤回', 'Withdraw'],
    remove_cancelled: ['移除已红冲发票', 'Remove cancelled invoices'],
    removed_cancelled_ok: ['已移除红冲发票，其余发票继续审批', 'Cancelled invoices removed; the rest stay under review'],
    edit: ['编辑', 'Edit'],
    delete: ['删除', 'Delete'],
    confirm_delete: ['确认删除？', 'Really delete?'],
    submitted_ok: ['已提交审批', 'Submitted for approval'],
    withdrawn_ok: ['已撤回', 'Withdrawn'],
    deleted_ok: ['报销单已删除', 'Report deleted'],
    saved_ok: ['已保存', 'Saved'],
    edit_invoices: ['报销单中的发票', 'Invoices in this report'],
    needs_attention: ['需处理', 'Needs attention'],
    submit_refused: ['微信拒绝锁定下方标注的发票，报销单未提交，也没有发票被锁定。', 'WeChat refused to lock the invoices marked below; the report was not submitted and nothing stays locked.'],
    // approver page
    to_approve: ['待我审批', 'Waiting for me'],
    no_to_approve: ['没有待审批的报销单', 'Nothing to approve'],
    comment: ['审批意见（可选）', 'Comment (optional)'],
    approve: ['批准', 'Approve'],
    reason: ['驳回原因（必填）', 'Reason (required)'],
    reject: ['驳回', 'Reject'],
    reason_required: ['请填写驳回原因', 'Please give a reason for rejecting'],
    approved_ok: ['已批准', 'Approved'],
    decided: ['我已审批', 'Decided by me'],
    no_decided: ['还没有审批过的报销单', 'Nothing decided yet'],
    search_reports: ['搜索单号、标题或提交人', 'Search number, title or employee'],
    batch_approve: ['批量批准（{0}）', 'Approve selected ({0})'],
    batch_done: ['已批准 {0} 张，{1} 张失败', '{0} approved, {1} failed'],
    plan: ['审批流程', 'Approval chain'],
    plan_preview: ['（预览，提交时确定）', '(preview; fixed at submit)'],
    plan_step: ['第 {0} 步', 'Step {0}'],
    mode_all: ['会签', 'all must approve'],
    mode_any: ['或签', 'any one approves'],
    ps_waiting: ['待开始', 'waiting'],
    ps_current: ['进行中', 'current'],
    ps_approved: ['已通过', 'approved'],
    ps_skipped: ['已跳过', 'skipped'],
    ps_rejected: ['已驳回', 'rejected'],
    dec_pending: ['待审批', 'pending'],
    dec_approved: ['同意', 'approved'],
    dec_rejected: ['驳回', 'rejected'],
    dec_skipped: ['跳过', 'skipped'],
    transfer: ['转交', 'Transfer'],
    transfer_to: ['转交给', 'Transfer to'],
    transfer_choose: ['请先选择转交给谁', 'Choose whom to transfer to first'],
    picker_search: ['输入姓名、工号或部门搜索', 'Search by name, ID or department'],
    picker_clear: ['清除', 'Clear'],
    picker_remove: ['移除 {0}', 'Remove {0}'],
    picker_none: ['未选择', 'Nobody chosen'],
    picker_no_match: ['没有匹配的在职员工', 'No active employee matches'],
    transferred_ok: ['已转交', 'Transferred'],
    act_transfer: ['转交', 'transferred'],
    warn_title_detail: ['购买方抬头“{0}”{1}不是公司的开票抬头', 'Buyer title “{0}”{1} is not one of the company\'s buyer entities'],
    warn_amounts_detail: ['价税合计 {0} ≠ 金额 {1} + 税额 {2}（= {3}），相差 {4}', 'Total {0} ≠ amount {1} + tax {2} (= {3}); they differ by {4}'],
    rejected_ok: ['已驳回', 'Rejected'],
    // finance page
    finance_title: ['报销发票查询', 'Invoice search'],
    search: ['发票号、销售方、税号、员工', 'Search number, seller, tax number, employee (prefix)'],
    from: ['从', 'From'],
    to: ['至', 'to'],
    df_approved_on: ['批准日期', 'Approval date'],
    df_issued_on: ['开票日期', 'Issue date'],
    df_imported_on: ['导入日期', 'Import date'],
    rs_none: ['未进报销单', 'In no report'],
    rs_any: ['全部报销状态', 'Any report status'],
    any_status: ['全部微信状态', 'Any WeChat status'],
    min_amount: ['最小金额', 'Min amount'],
    max_amount: ['最大金额', 'Max amount'],
    filter: ['筛选', 'Filter'],
    reset: ['清除', 'Clear'],
    totals_n: ['{0} 张发票 · 合计 {1} · 税额 {2}', '{0} invoice(s) · total {1} · tax {2}'],
    export_csv: ['导出 CSV', 'Export CSV'],
    export_xlsx: ['导出 XLSX', 'Export XLSX'],
    archive_zip: ['归档原件 ZIP', 'Archive originals (ZIP)'],
    archive_by_approval: ['归档：所选批准日期内已批准报销单的全部原件，每单一个文件夹，附索引', 'Archive: every original of the reports approved in this range, a folder per report, with an index'],
    view_original: ['查看原件', 'View original'],
    col_original: ['原件', 'Original'],
    export_by_approval: ['导出所选批准日期内已批准的发票', 'Exports approved invoices by approval date in this range'],
    export_needs_range: ['导出按批准日期：选择“批准日期”、“已批准”和日期范围后可导出', 'Export goes by approval date: choose “Approval date”, “Approved” and a date range'],
    no_rows: ['没有符合条件的发票', 'No matching invoices'],
    col_report: ['报销单', 'Report'],
    col_employee: ['员工', 'Employee'],
    col_approved: ['批准日期', 'Approved'],
    col_number: ['发票号码', 'Invoice no.'],
    col_seller: ['销售方', 'Seller'],
    col_issued: ['开票日期', 'Issued'],
    col_amount: ['价税合计', 'Amount'],
    col_tax: ['税额', 'Tax'],
    col_status: ['微信状态', 'WeChat'],
    // login page
    login_title: ['登录', 'Sign in'],
    login_demo: ['选择演示用户（沙箱模式）', 'Pick a demo user (sandbox mode)'],
    login_oa: ['微信登录', 'Sign in with WeChat'],
    login_work: ['企业微信登录', 'Sign in with WeCom'],
    login_no_channel: ['没有启用的登录方式，请联系管理员', 'No sign-in channel is enabled; ask your administrator'],
    login_pc: ['请在手机微信或企业微信中打开本页登录。', 'Open this page in WeChat or WeCom on your phone to sign in.'],
    // PC sign-in by QR (login page) and its phone page (qr-login)
    qrl_intro: ['用手机微信或企业微信扫描二维码，在手机上确认后即可在电脑上登录。二维码 2 分钟内有效，只能使用一次。',
      'Scan the QR code with WeChat or WeCom on your phone and confirm there to sign in on this computer. The code is valid for 2 minutes, once.'],
    qrl_pending: ['等待扫码…（{0} 后过期）', 'Waiting for a scan… (expires in {0})'],
    qrl_scanned: ['已扫码，请在手机上确认登录（{0} 后过期）', 'Scanned: confirm on your phone (expires in {0})'],
    qrl_expired: ['二维码已过期，请重新生成', 'The QR code has expired; show a new one'],
    qrl_signed_in: ['已登录，正在跳转…', 'Signed in; opening your page…'],
    qrl_accept_q: ['以 {0} 的身份登录此电脑？', 'Sign in on this computer as {0}?'],
    qrl_accept_note: ['只有在你自己刚用手机扫码时才接受。如果不是你本人，请拒绝：否则你在这台电脑上的操作会记在别人名下。',
      'Accept only if you just scanned the code with your own phone. If this is not you, decline: otherwise what you do on this computer goes to someone else’s account.'],
    qrl_accept: ['接受', 'Accept'],
    qrl_decline: ['拒绝', 'Decline'],
    qrl_declined: ['已拒绝，请重新生成二维码', 'Declined: show a new QR code'],
    qrl_new: ['重新生成二维码', 'Show a new QR code'],
    qrl_demo: ['扫码登录（演示）', 'Sign in by QR code (demo)'],
    qrl_or: ['或在微信中打开本页：', 'Or open this page in WeChat:'],
    qrl_title: ['电脑登录确认', 'Sign in on a computer'],
    qrl_confirm_q: ['在电脑上登录为 {0}？', 'Sign in on the computer as {0}?'],
    qrl_confirm_note: ['只有当这个二维码是你自己在电脑上打开的，才点确认。', 'Confirm only if you opened this QR code on your own computer.'],
    qrl_confirm: ['确认登录', 'Sign in'],
    qrl_done: ['已确认，请在电脑上点“接受”完成登录。可以关闭本页。', 'Confirmed: accept on the computer to finish signing in. You may close this page.'],
    qrl_no_token: ['链接不完整，请重新扫描电脑上的二维码', 'The link is incomplete: scan the QR code on the computer again'],
    role_emp_oa: ['员工 · 微信公众号', 'Employee · WeChat OA'],
    role_emp_work: ['员工 · 企业微信', 'Employee · WeCom'],
    role_approver: ['审批人', 'Approver'],
    role_finance: ['财务', 'Finance'],
    role_director: ['总监 · 审批人', 'Director · Approver'],
    role_finance_cashier: ['财务 · 出纳', 'Finance · Cashier'],
    role_admin: ['管理员', 'Administrator'],
    role_cashier: ['出纳', 'Cashier'],
    // statuses
    st_draft: ['草稿', 'Draft'],
    st_submitted: ['待审批', 'Submitted'],
    st_approved: ['已批准', 'Approved'],
    st_rejected: ['已驳回', 'Rejected'],
    st_withdrawn: ['已撤回', 'Withdrawn'],
    st_paid: ['已付款', 'Paid'],
    // expense details and payment (issue 17)
    purpose: ['事由', 'Purpose'],
    expense_type: ['费用类型', 'Expense type'],
    expense_type_none: ['未选择', 'Not chosen'],
    expense_types_title: ['费用类型', 'Expense types'],
    et_code: ['编码', 'Code'],
    et_name: ['名称', 'Name'],
    et_active: ['启用', 'Active'],
    et_add: ['添加类型', 'Add a type'],
    paid_on: ['付款日期', 'Paid on'],
    pay_title: ['待付款', 'To be paid'],
    pay_none: ['没有待付款的报销单', 'No approved report waits for payment'],
    pay_method: ['付款方式', 'Method'],
    pm_bank_transfer: ['银行转账', 'Bank transfer'],
    pm_cash: ['现金', 'Cash'],
    pm_payroll: ['随工资发放', 'With payroll'],
    pm_other: ['其他', 'Other'],
    pay_reference: ['付款参考号（流水号）', 'Reference'],
    payer_account: ['付款账号', 'Paying account'],
    pay_submit: ['登记付款', 'Record payment'],
    pay_done: ['已登记付款 {0}，合计 {1}', 'Payment {0} recorded, total {1}'],
    bank_file_csv: ['下载银行批量付款文件（CSV）', 'Bank batch file (CSV)'],
    bank_file_xlsx: ['下载银行批量付款文件（XLSX）', 'Bank batch file (XLSX)'],
    bank_account: ['收款账户', 'Bank account'],
    bank: ['开户银行', 'Bank'],
    branch: ['开户网点', 'Branch'],
    account_number: ['账号', 'Account number'],
    account_name: ['户名', 'Account name'],
    bank_account_none: ['尚未登记收款账户', 'No bank account on file'],
    ws_INIT: ['未报销', 'Not reimbursed'],
    ws_LOCK: ['报销中', 'Locked'],
    ws_CLOSURE: ['已报销', 'Reimbursed'],
    ws_CANCEL: ['已红冲', 'Cancelled'],
    in_report: ['在报销单中', 'In a report'],
    // An invoice whose WeChat status is still on its way (the outbox).
    sy_INIT: ['解锁中…', 'Unlocking…'],
    sy_LOCK: ['锁定中…', 'Locking…'],
    sy_CLOSURE: ['核销中…', 'Closing…'],
    attention_cancelled: ['发票 {0} 已被开票方红冲，请从报销单中移除', 'Invoice {0} was cancelled by its issuer (红冲): remove it from the report'],
    sync_synced: ['已同步', 'Synced'],
    sync_pending: ['同步中（{0}）', 'Syncing ({0})'],
    sync_failed: ['同步失败（{0}），管理员处理中', 'Sync failed ({0}); an admin will retry'],
    warn_amounts: ['金额不符', 'Amounts differ'],
    warn_title: ['抬头不符', 'Wrong buyer title'],
    warn_review: ['需核对号码', 'Check the number'],
    act_create: ['创建', 'created'],
    act_edit: ['编辑', 'edited'],
    act_submit: ['提交', 'submitted'],
    act_withdraw: ['撤回', 'withdrew'],
    act_approve: ['批准', 'approved'],
    act_reject: ['驳回', 'rejected'],
    act_delete: ['删除', 'deleted'],
    act_reassign: ['转交审批人', 'reassigned'],
    act_remove: ['移除红冲发票', 'removed cancelled invoices'],
    act_cancelled: ['发票已被红冲', 'invoice cancelled by its issuer'],
    act_pay: ['付款', 'paid'],
    kind_vat_special: ['增值税专用发票', 'VAT special invoice'],
    kind_vat_normal: ['增值税普通发票', 'VAT normal invoice'],
    kind_vat_e_special: ['增值税电子专用发票', 'VAT e-special invoice'],
    kind_vat_e_normal: ['增值税电子普通发票', 'VAT e-normal invoice'],
    kind_digital_special: ['数电专票', 'Digital special invoice'],
    kind_digital_normal: ['数电普票', 'Digital normal invoice'],
    kind_other: ['其他发票', 'Other invoice'],
    // Errors by code: every code the server answers (domain.AllErrors,
    // web's statusByCode) and the page's own network and timeout. The page
    // shows this text; the server's English message goes to a details line.
    // h5_errors_test.go fails when a code lacks one.
    err_network: ['网络错误，请检查网络后重试', 'Network error; check the connection and try again'],
    err_timeout: ['请求超时，请重试', 'The request timed out; try again'],
    err_details: ['详情', 'Details'],
    err_http: ['请求未成功（HTTP {0}）', 'The request failed (HTTP {0})'],
    'err_request.invalid': ['输入有误，请检查后再提交', 'Some input is not valid; check it and send again'],
    'err_request.unsupported_media_type': ['请求格式不受支持', 'The request format is not supported'],
    'err_request.too_large': ['内容太大，无法上传', 'The upload is too large'],
    'err_request.method_not_allowed': ['不支持该操作', 'This operation is not supported here'],
    'err_request.timeout': ['请求发送超时，请重试', 'The request took too long to arrive; try again'],
    'err_request.headers_too_large': ['请求头过大，请清除本站 Cookie 后重试', 'The request headers are too large; clear this site\'s cookies and try again'],
    'err_auth.required': ['请先登录', 'Please sign in'],
    'err_auth.forbidden': ['没有权限进行此操作', 'You are not allowed to do this'],
    err_not_found: ['找不到该记录', 'Not found'],
    'err_conflict.version': ['内容已被他人修改，请刷新后重试', 'Someone changed this meanwhile; reload and try again'],
    'err_notice.not_failed': ['这条通知没有失败，无需重发', 'This notice has not failed; nothing to resend'],
    'err_idempotency.conflict': ['该请求编号已用于另一个请求', 'This request key was already used for another request'],
    'err_invoice.duplicate': ['该发票已被导入', 'Already imported'],
    'err_invoice.in_report': ['发票已在其他报销单中', 'Invoice already in a report'],
    'err_invoice.locked_elsewhere': ['发票已被其他单位锁定', 'Locked by another reimburser'],
    'err_invoice.already_reimbursed': ['发票已报销', 'Already reimbursed'],
    'err_invoice.cancelled': ['发票已红冲', 'Invoice cancelled'],
    'err_invoice.not_in_wallet': ['发票不在您的卡包中', 'Not in your wallet'],
    'err_invoice.invalid_status_transition': ['微信不允许发票变更为该状态', 'WeChat does not allow this status change'],
    'err_invoice.red': ['红字（负数）发票不能报销', 'A red (negative) invoice cannot be reimbursed'],
    'err_invoice.needs_review': ['请先补全发票信息', 'Complete the invoice first'],
    'err_invoice.no_wechat': ['该发票来自文件，没有微信卡券', 'This invoice came as a file and has no WeChat card'],
    'err_invoice.unreadable': ['无法识别发票', 'The invoice cannot be read'],
    'err_report.invalid_transition': ['当前状态不允许该操作', 'Not possible in this status'],
    'err_report.empty': ['报销单中没有发票', 'The report has no invoices'],
    'err_report.submit_refused': ['微信拒绝锁定发票', 'WeChat refused to lock invoices'],
    'err_report.no_approver': ['没有可审批此报销单的人，请管理员配置审批流程', 'Nobody can approve this report; ask an administrator to configure the approval policy'],
    'err_expense_type.unknown': ['没有这个启用的费用类型', 'No active expense type has this code'],
    'err_payment.not_payable': ['只能为已批准、未付款的报销单付款；未做任何更改', 'Only approved, unpaid reports can be paid; nothing was changed'],
    'err_payment.no_bank_account': ['有收款人尚未登记收款账户；未做任何更改', 'A payee has no bank account on file; nothing was changed'],
    'err_wechat.unavailable': ['微信暂时不可用，未做任何更改，请稍后重试', 'WeChat is unavailable; nothing was changed, try again later'],
    'err_wechat.rejected': ['微信拒绝了请求', 'WeChat refused the request'],
    'err_qr.expired': ['二维码已过期，请在电脑上重新生成后再扫码', 'This QR code has expired: show a new one on the computer and scan again'],
    'err_qr.used': ['二维码已被使用，请在电脑上重新生成后再扫码', 'This QR code has already been used: show a new one on the computer and scan again'],
    'err_qr.not_confirmed': ['手机上尚未确认登录', 'No phone has confirmed this sign-in yet'],
    'err_reconcile.running': ['对账尚未完成，完成后再处理', 'The reconciliation has not finished; repair it once it is done'],
    'err_signature.invalid': ['签名无效', 'The signature is invalid'],
    'err_signature.replayed': ['请求已使用过或已过期', 'The request was already used or is too old'],
    err_not_ready: ['服务正在启动，请稍后重试', 'The service is starting; try again shortly'],
    err_internal: ['服务器出错了，请稍后重试', 'Something went wrong on the server; try again later'],
  };

  function t(key) {
    const pair = T[key];
    let s = pair ? pair[zh ? 0 : 1] : key;
    for (let i = 1; i < arguments.length; i++) s = s.split('{' + (i - 1) + '}').join(String(arguments[i]));
    return s;
  }

  // translate fills elements marked data-i18n / data-i18n-placeholder.
  function translate(root) {
    (root || document).querySelectorAll('[data-i18n]').forEach(function (n) { n.textContent = t(n.dataset.i18n); });
    (root || document).querySelectorAll('[data-i18n-placeholder]').forEach(function (n) { n.placeholder = t(n.dataset.i18nPlaceholder); });
  }

  // el builds an element: el('li', {class: 'card', onclick: f}, 'text', child…).
  function el(tag, attrs) {
    const n = document.createElement(tag);
    for (const k in attrs || {}) {
      const v = attrs[k];
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
      else if (k === 'class') n.className = v;
      else if (k === 'dataset') Object.assign(n.dataset, v);
      else if (k in n && typeof v !== 'string') n[k] = v;
      else n.setAttribute(k, v === true ? '' : v);
    }
    for (let i = 2; i < arguments.length; i++) append(n, arguments[i]);
    return n;
  }

  function append(n, c) {
    if (c === undefined || c === null || c === false) return;
    if (Array.isArray(c)) c.forEach(function (x) { append(n, x); });
    else n.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }

  function clear(n) {
    while (n.firstChild) n.removeChild(n.firstChild);
    return n;
  }

  // fill replaces n's children; like el, it takes nodes, text and arrays.
  function fill(n) {
    clear(n);
    for (let i = 1; i < arguments.length; i++) append(n, arguments[i]);
    return n;
  }

  // ApiError is an answer other than 2xx, or no answer at all.
  class ApiError extends Error {
    constructor(status, code, message, details) {
      super(message);
      this.status = status;
      this.code = code;
      this.details = details || {};
    }
  }

  // safeNext keeps a redirect on this site, by the rule of safeNext in
  // web/auth.go: next must be a path ("/…") that, parsed against our
  // origin, stays on it; the answer is the parsed path, never the input.
  // Characters a browser drops or reads as a slash (controls such as TAB,
  // and backslash) are refused: "/\t/evil.example" is "//evil.example".
  // It answers '' for anything else.
  function safeNext(n) {
    if (typeof n !== 'string' || n.charAt(0) !== '/') return '';
    for (let i = 0; i < n.length; i++) {
      const c = n.charCodeAt(i);
      if (c < 0x20 || c === 0x7f || c === 0x5c) return '';
    }
    let u;
    try {
      u = new URL(n, location.origin);
    } catch (e) {
      return '';
    }
    if (u.origin !== location.origin || u.username || u.password) return '';
    const out = u.pathname + u.search + u.hash;
    // "/.//evil.example" parses to the path "//evil.example".
    return out.charAt(0) === '/' && out.charAt(1) !== '/' ? out : '';
  }

  function loginURL() {
    return '/h5/login?next=' + encodeURIComponent(location.pathname + location.search + location.hash);
  }

  // api calls the JSON API. Mutating calls always send
  // Content-Type: application/json (the server's CSRF rule). A 401 sends
  // the user to the login page unless opts.noRedirect.
  async function api(method, path, body, opts) {
    opts = opts || {};
    const ctrl = new AbortController();
    const timer = setTimeout(function () { ctrl.abort(); }, 20000);
    const init = { method: method, credentials: 'same-origin', headers: { Accept: 'application/json' }, signal: ctrl.signal };
    if (body instanceof FormData) {
      init.body = body; // multipart: the browser sets the boundary
    } else if (method !== 'GET') {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body || {});
    }
    let res;
    let text;
    try {
      res = await fetch(path, init);
      text = await res.text();
    } catch (e) {
      const code = e && e.name === 'AbortError' ? 'timeout' : 'network';
      throw new ApiError(0, code, t('err_' + code));
    } finally {
      clearTimeout(timer);
    }
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (e) {
      data = null;
    }
    if (res.status === 401 && !opts.noRedirect) {
      location.assign(loginURL());
      throw new ApiError(401, 'auth.required', t('err_auth.required'));
    }
    if (!res.ok) {
      const e = (data && data.error) || { code: 'http.' + res.status, message: res.statusText || 'HTTP ' + res.status };
      throw new ApiError(res.status, e.code, e.message || '', e.details);
    }
    return data;
  }

  // errorText is what the user reads: our text for the code, in the
  // page's language. The server's English message, invalid fields and the
  // code go to errorDetail (a collapsed line), never into this text.
  function errorText(err) {
    if (!err) return '';
    if (err.name === 'BaoxiaoJSAPIError') {
      const a = err.apiError;
      return a && T['err_' + a.code] ? t('err_' + a.code) : err.message;
    }
    const code = err.code || '';
    if (T['err_' + code]) return t('err_' + code);
    if (err.status >= 500) return t('err_internal');
    if (err.status) return t('err_http', err.status);
    return err.message || String(err);
  }

  // errorDetail is the raw part, for whoever reports the problem: the
  // server's message, the invalid fields, the code.
  function errorDetail(err) {
    if (!err) return '';
    const a = err.name === 'BaoxiaoJSAPIError' ? err.apiError : err;
    if (!a) return '';
    const parts = [];
    if (a.message && a.message !== errorText(err)) parts.push(a.message);
    const fields = a.details && a.details.fields;
    if (fields && typeof fields === 'object') {
      parts.push(Object.keys(fields).map(function (k) { return k + ': ' + fields[k]; }).join('; '));
    }
    if (a.code && a.code !== 'network' && a.code !== 'timeout') parts.push('[' + a.code + ']');
    return parts.join(' ');
  }

  // retryable tells the errors that another try may cure: no answer, a
  // timeout, a server or WeChat outage, a rate limit. Input errors (4xx)
  // need a change first, so they get no retry button.
  function retryable(err) {
    if (!err) return false;
    const code = err.name === 'BaoxiaoJSAPIError' && err.apiError ? err.apiError.code : err.code;
    const status = err.status || 0;
    return code === 'network' || code === 'timeout' || code === 'request.timeout' || code === 'wechat.unavailable' ||
      code === 'not_ready' || status === 429 || status >= 500 || (status === 0 && !code);
  }

  function errorBox(err, onRetry) {
    const detail = errorDetail(err);
    return el('div', { class: 'error', role: 'alert', dataset: { code: (err && err.code) || '' } },
      el('span', { class: 'error-text' }, errorText(err)),
      onRetry && retryable(err) ? el('button', { class: 'link retry', type: 'button', onclick: onRetry }, t('retry')) : null,
      detail ? el('details', { class: 'error-detail' }, el('summary', null, t('err_details')), el('span', null, detail)) : null);
  }

  let toastTimer = 0;
  function toast(text, kind) {
    let n = document.getElementById('toast');
    if (!n) {
      n = el('div', { id: 'toast', role: 'status', 'aria-live': 'polite' });
      document.body.appendChild(n);
    }
    n.textContent = text;
    n.className = 'show ' + (kind || '');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { n.className = ''; }, 3500);
  }

  // Money arrives as a string with two decimals ("1234.50"). It is shown
  // and summed as text and integer cents, never as a float.
  function cents(s) {
    const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(s).trim());
    if (!m) return null;
    const v = Number(m[2]) * 100 + Number(((m[3] || '') + '00').slice(0, 2));
    return m[1] ? -v : v;
  }

  function fromCents(c) {
    const neg = c < 0;
    const a = String(Math.abs(c)).padStart(3, '0');
    return (neg ? '-' : '') + a.slice(0, -2) + '.' + a.slice(-2);
  }

  function money(s) {
    if (s === null || s === undefined || s === '') return '—';
    const c = cents(s);
    if (c === null) return String(s); // unexpected shape: show it as it came
    const str = fromCents(c);
    const neg = str.startsWith('-');
    const parts = (neg ? str.slice(1) : str).split('.');
    return (neg ? '-' : '') + '¥' + parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ',') + '.' + parts[1];
  }

  function sum(list) {
    let c = 0;
    list.forEach(function (s) { c += cents(s) || 0; });
    return fromCents(c);
  }

  // when shows an RFC 3339 time as the server wrote it (Asia/Shanghai).
  function when(s) {
    return s ? String(s).slice(0, 16).replace('T', ' ') : '';
  }

  function badge(text, kind) {
    return el('span', { class: 'badge ' + (kind || '') }, text);
  }

  function reportStatus(s) {
    return badge(t('st_' + s), 'rs-' + s);
  }

  function syncText(sync) {
    if (!sync) return '';
    if (sync.state === 'failed') return t('sync_failed', sync.failed || sync.pending || 0);
    if (sync.state === 'pending') return t('sync_pending', sync.pending || 0);
    return t('sync_synced');
  }

  // wechatStatus is the short WeChat status (INIT, LOCK, CLOSURE, CANCEL),
  // whichever form it came in.
  function wechatStatus(s) {
    return String(s || '').replace('INVOICE_REIMBURSE_', '');
  }

  function wechatLabel(s) {
    const k = 'ws_' + wechatStatus(s);
    return T[k] ? t(k) : String(s || '');
  }

  function kind(k) {
    return T['kind_' + k] ? t('kind_' + k) : k || '';
  }

  // SYNC_TARGET is the WeChat status a report's invoices have once its
  // last change reached WeChat (approve, reject and withdraw go through
  // the outbox; submit locks before it answers).
  const SYNC_TARGET = { draft: 'INIT', withdrawn: 'INIT', rejected: 'INIT', submitted: 'LOCK', approved: 'CLOSURE', paid: 'CLOSURE' };

  // syncingTo is the WeChat status inv is on its way to while report r's
  // change has not reached WeChat yet, else ''. The invoice then shows
  // "解锁中…" rather than a status WeChat is about to leave.
  function syncingTo(inv, r) {
    if (!r || !r.sync || r.sync.state === 'synced' || inv.wechat_status == null) return '';
    const now = wechatStatus(inv.wechat_status);
    const target = SYNC_TARGET[r.status];
    return target && now !== target && now !== 'CANCEL' ? target : '';
  }

  // invoiceCard renders one invoice: seller, amount, number, date, WeChat
  // status and the warnings (amounts, title, number shape). opts.report is
  // the report it is in, when known: its pending sync shows on the card.
  function invoiceCard(inv, opts) {
    opts = opts || {};
    const to = syncingTo(inv, opts.report);
    // A file invoice has no WeChat status: its source stands in for it.
    const badges = inv.wechat_status == null
      ? [badge(t('src_' + inv.source), 'muted')]
      : to ? [el('span', { class: 'badge syncing', dataset: { syncing: to } }, t('sy_' + to))]
        : [badge(wechatLabel(inv.wechat_status), 'ws-' + wechatStatus(inv.wechat_status).toLowerCase())];
    if (inv.cancelled && inv.wechat_status == null) badges.push(badge(t('cancelled_badge'), 'warn'));
    // "报销中" (LOCK) already says the invoice is in a report: one badge.
    const locked = inv.wechat_status != null && wechatStatus(inv.wechat_status) === 'LOCK' && !to;
    if (inv.report_id && opts.showReport !== false && !locked) badges.push(badge(t('in_report'), 'muted'));
    if (inv.amounts_consistent === false) badges.push(badge(t('warn_amounts'), 'warn'));
    if (inv.title_matches_company === false) badges.push(badge(t('warn_title'), 'warn'));
    if (inv.needs_review) badges.push(badge(t(inv.wechat_status == null ? 'warn_file_review' : 'warn_review'), 'warn'));
    const number = (inv.invoice_code ? inv.invoice_code + ' ' : '') + (inv.invoice_number || '');
    return el('li', { class: 'card inv', dataset: { invoiceId: inv.id } },
      opts.checkbox || null,
      el('div', { class: 'grow' },
        el('div', { class: 'row' },
          el('span', { class: 'seller' }, inv.seller_name || kind(inv.kind)),
          el('span', { class: 'amount' }, money(inv.amount))),
        el('div', { class: 'meta' }, [kind(inv.kind), number ? 'No. ' + number : '', inv.issued_on || ''].filter(Boolean).map(function (x) {
          return el('span', null, x);
        })),
        el('div', { class: 'badges' }, badges),
        opts.original ? originalLink(inv) : null,
        opts.details ? invoiceDetails(inv) : null,
        opts.error ? el('div', { class: 'error small' }, opts.error) : null));
  }

  // originalLink opens the invoice's preferred original (XML > OFD > PDF,
  // DECISIONS 42) in a new tab; nothing when none is stored yet.
  function originalLink(inv) {
    if (!inv.original) return null;
    return el('a', {
      class: 'original-link', target: '_blank', rel: 'noopener',
      href: '/api/v1/invoices/' + encodeURIComponent(inv.id) + '/original',
      title: inv.original.name,
    }, t('view_original'));
  }

  // invoiceDetails shows an approver what is wrong and by how much, the
  // lines, and a link to the original document.
  function invoiceDetails(inv) {
    const warns = (inv.warnings || []).map(function (w) {
      const d = w.details || {};
      const text = w.code === 'invoice.title_mismatch'
        ? t('warn_title_detail', d.title || '', d.tax_number ? '（' + d.tax_number + '）' : '')
        : w.code === 'invoice.amounts_mismatch'
          ? t('warn_amounts_detail', money(d.amount), money(d.amount_without_tax), money(d.tax), money(d.sum), money(d.difference))
          : w.message;
      return el('div', { class: 'notice warn invoice-warning', dataset: { code: w.code } }, text);
    });
    const lines = (inv.lines || []).map(function (l) {
      return el('li', null, l.name + (l.quantity ? ' × ' + l.quantity : '') + ' ', el('span', { class: 'amount' }, money(l.amount)));
    });
    return el('div', { class: 'inv-details' }, warns,
      lines.length ? el('ul', { class: 'lines' }, lines) : null,
      originalLink(inv));
  }

  // planList shows a report's approval chain: each step, who, what they
  // decided and when (DECISIONS 43).
  function planList(r) {
    const plan = r.plan || [];
    if (!plan.length) return r.plan_error ? errorBox(r.plan_error) : null;
    const preview = r.status !== 'submitted' && r.status !== 'approved';
    return el('div', { class: 'plan' },
      el('h3', null, t('plan'), preview ? el('span', { class: 'muted' }, ' ' + t('plan_preview')) : null),
      el('ol', { class: 'plan-steps', id: 'plan' }, plan.map(function (s) {
        return el('li', { class: 'plan-step ps-' + s.state, dataset: { step: String(s.step), state: s.state } },
          el('div', { class: 'row' }, el('b', null, t('plan_step', s.step) + ' · ' + s.name),
            el('span', null, badge(t('ps_' + s.state), s.state === 'current' ? 'ok' : 'muted'),
              s.approvers.length > 1 ? badge(t('mode_' + s.mode), 'muted') : null)),
          el('ul', { class: 'plan-approvers' }, s.approvers.map(function (a) {
            return el('li', { dataset: { approver: a.id, decision: a.decision } }, a.name + ' · ' + t('dec_' + a.decision),
              a.decided_at ? el('span', { class: 'when' }, ' ' + when(a.decided_at)) : null,
              a.reason ? el('div', { class: 'comment' }, a.reason) : null);
          })));
      })));
  }

  // attention lists why an open report cannot go ahead (needs_attention).
  // An invoice its issuer cancelled is named from the invoices, in the
  // page's language, not by the server's English text.
  function attention(r) {
    const open = r.status === 'draft' || r.status === 'submitted' || r.status === 'rejected' || r.status === 'withdrawn';
    const cancelled = open ? (r.invoices || []).filter(function (i) { return i.wechat_status === 'CANCEL'; }) : [];
    // The server names no other reason today (web/views.go).
    const texts = cancelled.length
      ? cancelled.map(function (i) { return t('attention_cancelled', (i.invoice_code ? i.invoice_code + ' ' : '') + i.invoice_number); })
      : r.needs_attention || [];
    return texts.map(function (text) {
      return el('div', { class: 'notice warn attention' }, t('needs_attention') + (zh ? '：' : ': ') + text);
    });
  }

  function historyList(history) {
    return el('ol', { class: 'history' }, (history || []).map(function (h) {
      return el('li', null,
        el('span', { class: 'when' }, when(h.at)), ' ',
        el('b', null, h.actor && h.actor.name), ' ',
        T['act_' + h.action] ? t('act_' + h.action) : h.action,
        h.to && h.from !== h.to ? el('span', { class: 'muted' }, ' → ' + t('st_' + h.to)) : null,
        h.comment ? el('div', { class: 'comment' }, h.comment) : null);
    }));
  }

  function hasRole(me, role) {
    return (me.roles || []).indexOf(role) >= 0;
  }

  async function logout() {
    try {
      await api('POST', '/auth/logout', {}, { noRedirect: true });
    } finally {
      location.assign('/h5/login');
    }
  }

  // PAGES are the pages of the top bar and who may open them, by the
  // rules the API enforces (may). The approvals page is everyone's: a
  // chain step may name any employee (a manager, named users), and the
  // list is only ever one's own; the bar offers it (nav) to approvers,
  // finance, cashiers and admins (a step may name their role, admin is
  // the fallback: DECISIONS 45), and to anyone with a report waiting.
  const PAGES = [
    { id: 'mine', href: '/h5/', label: 'nav_mine', may: function () { return true; } },
    { id: 'approve', href: '/h5/approve', label: 'nav_approve', may: function () { return true; },
      nav: function (me) { return anyRole(me, ['approver', 'finance', 'cashier', 'admin']); } },
    { id: 'finance', href: '/h5/finance', label: 'nav_finance', may: function (me) { return anyRole(me, ['finance', 'cashier', 'admin']); } },
    { id: 'admin', href: '/h5/admin', label: 'nav_admin', may: function (me) { return hasRole(me, 'admin'); } },
  ];

  function anyRole(me, roles) {
    return roles.some(function (r) { return hasRole(me, r); });
  }

  // mayOpen tells whether me may use the page (an id of PAGES; pages not
  // listed are everyone's).
  function mayOpen(me, id) {
    const p = PAGES.find(function (x) { return x.id === id; });
    return !p || p.may(me);
  }

  // home is where me lands after signing in when no page was asked for:
  // the server's choice (GET /api/v1/me "home"), else the index.
  function home(me) {
    return safeNext((me && me.home) || '') || '/h5/';
  }

  // forbidden replaces the page's content with a "no permission" state
  // and a link to the user's own home.
  function forbidden(me) {
    document.querySelectorAll('main').forEach(function (m) { m.hidden = true; });
    const box = el('main', { id: 'forbidden' },
      el('div', { class: 'state empty forbidden', role: 'alert' },
        el('h2', null, t('forbidden_title')),
        el('p', { class: 'muted' }, t('forbidden_text')),
        el('a', { class: 'button primary', id: 'forbidden-home', href: home(me) }, t('forbidden_home'))));
    document.body.insertBefore(box, document.querySelector('main'));
  }

  // start loads the deployment config and the signed-in user, and draws
  // the top bar with the pages this user may open. On a page the user's
  // roles do not allow it shows "no permission" and rejects with an error
  // marked handled, so the page does nothing more.
  async function start(active) {
    translate();
    const header = document.getElementById('top');
    let cfg;
    let me;
    try {
      [cfg, me] = await Promise.all([api('GET', '/h5/config.json'), api('GET', '/api/v1/me')]);
    } catch (e) {
      if (e.code === 'auth.required') e.handled = true; // on its way to the login page
      throw e;
    }
    const link = function (p) {
      return el('a', { href: p.href, class: p.id === active ? 'active' : '', dataset: { page: p.id } }, t(p.label));
    };
    const nav = el('nav', null, PAGES.filter(function (p) { return (p.nav || p.may)(me) || (p.id === active && p.may(me)); }).map(link));
    clear(header).append(
      el('a', { class: 'brand', href: home(me) }, t('app')),
      nav,
      noticeBell(),
      el('span', { class: 'who', id: 'who' }, me.name),
      el('button', { type: 'button', class: 'link', id: 'logout', onclick: logout }, t('logout')));
    refreshNotices();
    // New notices are counted while the page stays open: every half
    // minute while it is shown, and when the person comes back to it.
    setInterval(function () { if (!document.hidden) refreshNotices(); }, NOTICE_POLL_MS);
    document.addEventListener('visibilitychange', function () { if (!document.hidden) refreshNotices(); });
    window.addEventListener('focus', refreshNotices);
    if (!nav.querySelector('[data-page="approve"]')) offerApprovals(nav, link);
    if (!mayOpen(me, active)) {
      forbidden(me);
      const e = new ApiError(403, 'auth.forbidden', '');
      e.handled = true;
      throw e;
    }
    return { cfg: cfg, me: me };
  }

  // offerApprovals adds the approvals page to the bar of someone without
  // an approving role when a report waits for them.
  async function offerApprovals(nav, link) {
    try {
      const page = await api('GET', '/api/v1/reports?scope=to_approve&limit=1', null, { noRedirect: true });
      if (page.items.length && !nav.querySelector('[data-page="approve"]')) {
        nav.insertBefore(link(PAGES[1]), nav.children[1] || null);
      }
    } catch (e) { /* the bar stays as it is */ }
  }

  // The inbox: a bell with the unread count in the top bar, opening the
  // list of notices (GET /api/v1/notifications); opening it reads the
  // notices it shows.
  const NOTICE_POLL_MS = 30000;

  function noticeBell() {
    return el('span', { class: 'notices' },
      el('button', { type: 'button', class: 'link bell', id: 'notices-bell', 'aria-label': t('notices_unread'), onclick: toggleNotices },
        t('notices'), ' ', el('span', { class: 'badge count', id: 'notices-unread', hidden: 'hidden' }, '0')),
      el('div', { class: 'notice-list', id: 'notices-list', hidden: 'hidden' }));
  }

  function setUnread(n) {
    const badgeEl = document.getElementById('notices-unread');
    if (badgeEl) {
      badgeEl.textContent = String(n);
      if (n > 0) badgeEl.removeAttribute('hidden'); else badgeEl.setAttribute('hidden', 'hidden');
    }
    const all = document.getElementById('notices-read-all');
    if (all && n === 0) all.remove();
  }

  async function refreshNotices() {
    let data;
    try {
      data = await api('GET', '/api/v1/notifications?limit=20', null, { noRedirect: true });
    } catch (e) {
      return null;
    }
    setUnread(data.unread);
    const list = document.getElementById('notices-list');
    if (!list) return data;
    clear(list).append(
      data.items.length === 0 ? el('p', { class: 'muted' }, t('notices_none')) : el('ul', null, data.items.map(function (n) {
        return el('li', { class: n.read_at ? 'read' : 'unread', 'data-id': String(n.id) },
          el('strong', null, n.title), el('div', null, n.body), el('small', { class: 'muted' }, when(n.created_at)));
      })),
      data.unread > 0 ? el('button', { type: 'button', class: 'link', id: 'notices-read-all', onclick: readAllNotices }, t('notices_read_all')) : null);
    return data;
  }

  // toggleNotices opens the list, fresh, and marks what it shows read
  // (they stay marked new until the list is drawn again); or closes it.
  async function toggleNotices() {
    const list = document.getElementById('notices-list');
    if (!list) return;
    if (!list.hasAttribute('hidden')) {
      list.setAttribute('hidden', 'hidden');
      return;
    }
    list.removeAttribute('hidden');
    const data = await refreshNotices();
    const ids = data ? data.items.filter(function (n) { return !n.read_at; }).map(function (n) { return n.id; }) : [];
    if (!ids.length) return;
    try {
      setUnread((await api('POST', '/api/v1/notifications/read', { ids: ids }, { noRedirect: true })).unread);
    } catch (e) {
      toast(errorText(e), 'error');
    }
  }

  async function readAllNotices() {
    try {
      await api('POST', '/api/v1/notifications/read', { all: true });
    } catch (e) {
      toast(errorText(e), 'error');
      return;
    }
    refreshNotices();
  }

  // personText names a directory entry: 姓名（工号 · 部门）.
  function personText(p) {
    return p.name + '（' + p.id + (p.department ? ' · ' + p.department : '') + '）';
  }

  // personPicker chooses employees by name, ID or department from the
  // directory lookup (GET /api/v1/directory, active employees only) —
  // every page that asks for a person uses it, so nobody types an ID. A
  // search box, the matches to pick from, and the choice: one person with
  // a clear button, or chips with remove buttons when opts.multiple. The
  // box's value is the chosen ID ('' for none) and values the chosen IDs;
  // each choice fires a bubbling 'change'. opts: id (prefix of the parts'
  // element ids), value (an ID or a list), exclude (IDs never offered),
  // multiple, none (the text for no choice), label.
  function personPicker(opts) {
    opts = opts || {};
    const part = function (s) { return opts.id ? opts.id + '-' + s : null; };
    const known = {}; // id → entry, to name the chosen
    let chosen = [].concat(opts.value || []).filter(Boolean);
    const picked = el('div', { class: 'picked', id: part('picked') });
    const search = el('input', { type: 'search', class: 'picker-search', id: part('search'), autocomplete: 'off', maxlength: '64',
      placeholder: t('picker_search'), 'aria-label': opts.label || t('picker_search') });
    const results = el('ul', { class: 'picker-results', id: part('results'), role: 'listbox' });
    const clearBtn = opts.multiple ? null : el('button', { type: 'button', class: 'link picker-clear', id: part('clear') }, t('picker_clear'));
    const box = el('div', { class: 'picker' + (opts.multiple ? ' multi' : ''), id: part('picker') },
      el('div', { class: 'row' }, picked, clearBtn), search, results);
    const nameOf = function (id) { return known[id] ? known[id].name + '（' + id + '）' : id; };
    function show() {
      box.values = chosen.slice();
      box.value = chosen.length ? chosen[0] : '';
      box.dataset.value = chosen.join(',');
      const none = el('span', { class: 'muted small' }, opts.none || t('picker_none'));
      if (!opts.multiple) {
        fill(picked, chosen.length ? (known[chosen[0]] ? personText(known[chosen[0]]) : chosen[0]) : none);
        clearBtn.hidden = !chosen.length;
        return;
      }
      fill(picked, chosen.length ? chosen.map(function (id) {
        return el('span', { class: 'chip', dataset: { id: id } }, nameOf(id),
          el('button', { type: 'button', class: 'chip-remove', 'aria-label': t('picker_remove', nameOf(id)), onclick: function () {
            set(chosen.filter(function (x) { return x !== id; }));
          } }, '×'));
      }) : none);
    }
    function set(list) {
      chosen = list;
      show();
      box.dispatchEvent(new Event('change', { bubbles: true }));
    }
    show();
    // Name the IDs chosen before: the lookup puts an exact ID first. One
    // that is not found (deactivated) stays shown as its ID.
    chosen.forEach(function (id) {
      api('GET', '/api/v1/directory?limit=1&q=' + encodeURIComponent(id)).then(function (res) {
        const p = res.items[0];
        if (p && p.id === id) { known[id] = p; show(); }
      }, function () { /* the ID stays shown */ });
    });
    if (clearBtn) clearBtn.addEventListener('click', function () { set([]); });
    search.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') ev.preventDefault(); });
    // The box's change means a choice: the search text's own change (on
    // blur, as an option is pressed) stays inside, or a listener moving
    // the page would take the click away from the option.
    search.addEventListener('change', function (ev) { ev.stopPropagation(); });
    let seq = 0;
    let timer = 0;
    search.addEventListener('input', function () {
      clearTimeout(timer);
      const mine = ++seq;
      const q = search.value.trim();
      delete results.dataset.q;
      if (!q) { clear(results); return; }
      timer = setTimeout(async function () {
        let res;
        try {
          res = await api('GET', '/api/v1/directory?limit=20&q=' + encodeURIComponent(q));
        } catch (err) {
          if (mine === seq) fill(results, el('li', null, errorBox(err)));
          return;
        }
        if (mine !== seq) return; // typed on meanwhile, or picked
        const skip = (opts.exclude || []).concat(chosen);
        const hits = res.items.filter(function (p) { return skip.indexOf(p.id) < 0; });
        // The matches are for this text (tests wait on it: no later answer
        // replaces them under a click).
        results.dataset.q = q;
        fill(results, hits.length ? hits.map(function (p) {
          return el('li', { role: 'option' }, el('button', { type: 'button', class: 'pick-option', dataset: { id: p.id }, onclick: function () {
            seq++; // an answer still on its way is for the old text
            clearTimeout(timer);
            known[p.id] = p;
            search.value = '';
            delete results.dataset.q;
            clear(results);
            set(opts.multiple ? chosen.concat(p.id) : [p.id]);
            if (opts.multiple) search.focus();
          } }, personText(p)));
        }) : el('li', { class: 'muted small' }, t('picker_no_match')));
      }, 150);
    });
    return box;
  }

  global.BX = {
    zh: zh, t: t, translate: translate, el: el, clear: clear, fill: fill, api: api, ApiError: ApiError,
    errorText: errorText, errorDetail: errorDetail, retryable: retryable, errorBox: errorBox, toast: toast, money: money, sum: sum, cents: cents, when: when,
    badge: badge, reportStatus: reportStatus, syncText: syncText, kind: kind, wechatStatus: wechatStatus, wechatLabel: wechatLabel, invoiceCard: invoiceCard, planList: planList,
    originalLink: originalLink,
    historyList: historyList, attention: attention, hasRole: hasRole, mayOpen: mayOpen, home: home, start: start, logout: logout, loginURL: loginURL,
    safeNext: safeNext, personPicker: personPicker, personText: personText,
  };
})(window);
