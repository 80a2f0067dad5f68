/**
 * The default chart of accounts of 《民间非营利组织会计制度》 (2004 codes). It is data: the
 * `role` names what the service looks accounts up by, so a renumbered chart (the 2024
 * revision) changes rows here, not code.
 */
export interface ChartRow {
  code: string;
  name: string;
  type: 'asset' | 'liability' | 'net_assets' | 'revenue' | 'expense';
  parent_code: string | null;
  role: string | null;
  monetary: boolean;
  sort: number;
}

const rows: Omit<ChartRow, 'sort'>[] = [
  { code: '1001', name: '现金', type: 'asset', parent_code: null, role: 'cash', monetary: true },
  { code: '1002', name: '银行存款', type: 'asset', parent_code: null, role: 'bank', monetary: true },
  { code: '1009', name: '其他货币资金', type: 'asset', parent_code: null, role: 'other_monetary', monetary: true },
  { code: '1122', name: '其他应收款', type: 'asset', parent_code: null, role: 'other_receivable', monetary: false },
  { code: '1141', name: '预付账款', type: 'asset', parent_code: null, role: 'prepaid', monetary: false },
  { code: '2202', name: '应付账款', type: 'liability', parent_code: null, role: 'payable', monetary: false },
  { code: '2209', name: '其他应付款', type: 'liability', parent_code: null, role: 'other_payable', monetary: false },
  { code: '3101', name: '非限定性净资产', type: 'net_assets', parent_code: null, role: 'unrestricted_net_assets', monetary: false },
  { code: '3102', name: '限定性净资产', type: 'net_assets', parent_code: null, role: 'restricted_net_assets', monetary: false },
  { code: '4101', name: '捐赠收入', type: 'revenue', parent_code: null, role: 'donation_income', monetary: false },
  { code: '4401', name: '政府补助收入', type: 'revenue', parent_code: null, role: 'subsidy_income', monetary: false },
  { code: '4601', name: '投资收益', type: 'revenue', parent_code: null, role: 'investment_income', monetary: false },
  { code: '4901', name: '其他收入', type: 'revenue', parent_code: null, role: null, monetary: false },
  { code: '490101', name: '其他收入-停车场公共收益', type: 'revenue', parent_code: '4901', role: 'parking_income', monetary: false },
  { code: '490102', name: '其他收入-废旧物品回收', type: 'revenue', parent_code: '4901', role: 'recycling_income', monetary: false },
  { code: '490199', name: '其他收入-其他', type: 'revenue', parent_code: '4901', role: 'other_income', monetary: false },
  { code: '5101', name: '业务活动成本', type: 'expense', parent_code: null, role: 'program_expense', monetary: false },
  { code: '5201', name: '管理费用', type: 'expense', parent_code: null, role: 'admin_expense', monetary: false },
  { code: '5301', name: '筹资费用', type: 'expense', parent_code: null, role: 'fundraising_expense', monetary: false },
  { code: '5401', name: '其他费用', type: 'expense', parent_code: null, role: 'other_expense', monetary: false },
];

export const CHART_2004: ChartRow[] = rows.map((row, index) => ({ ...row, sort: index + 1 }));
