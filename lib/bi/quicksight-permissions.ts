/**
 * QuickSight resource permissions (the `Permissions` lists of data sources, datasets and dashboards): owners get the
 * full action set of the console's "Owner" role, viewers only what viewing a dashboard needs. Action lists from the
 * QuickSight API reference (CreateDataSource/CreateDataSet/CreateDashboard examples).
 */
export const QUICKSIGHT_ACTIONS = {
  dataSourceOwner: [
    'quicksight:DescribeDataSource',
    'quicksight:DescribeDataSourcePermissions',
    'quicksight:PassDataSource',
    'quicksight:UpdateDataSource',
    'quicksight:DeleteDataSource',
    'quicksight:UpdateDataSourcePermissions',
  ],
  dataSetOwner: [
    'quicksight:DescribeDataSet',
    'quicksight:DescribeDataSetPermissions',
    'quicksight:PassDataSet',
    'quicksight:DescribeIngestion',
    'quicksight:ListIngestions',
    'quicksight:UpdateDataSet',
    'quicksight:DeleteDataSet',
    'quicksight:CreateIngestion',
    'quicksight:CancelIngestion',
    'quicksight:UpdateDataSetPermissions',
  ],
  dashboardOwner: [
    'quicksight:DescribeDashboard',
    'quicksight:ListDashboardVersions',
    'quicksight:UpdateDashboardPermissions',
    'quicksight:QueryDashboard',
    'quicksight:UpdateDashboard',
    'quicksight:DeleteDashboard',
    'quicksight:DescribeDashboardPermissions',
    'quicksight:UpdateDashboardPublishedVersion',
  ],
  dashboardViewer: ['quicksight:DescribeDashboard', 'quicksight:ListDashboardVersions', 'quicksight:QueryDashboard'],
} as const;

/** Who may do what with the BI assets: QuickSight user/group ARNs from `config.bi`. */
export interface BiPrincipals {
  readonly owners: readonly string[];
  readonly viewers: readonly string[];
}

export interface ResourcePermission {
  readonly principal: string;
  readonly actions: string[];
}

/** Owners only (data sources and datasets: viewers reach the data through the dashboard, never directly). */
export function ownerPermissions(p: BiPrincipals, actions: readonly string[]): ResourcePermission[] {
  return p.owners.map((principal) => ({ principal, actions: [...actions] }));
}

/** Owners with the owner actions, viewers with the viewer actions. */
export function dashboardPermissions(p: BiPrincipals): ResourcePermission[] {
  return [
    ...ownerPermissions(p, QUICKSIGHT_ACTIONS.dashboardOwner),
    ...p.viewers.map((principal) => ({ principal, actions: [...QUICKSIGHT_ACTIONS.dashboardViewer] })),
  ];
}
