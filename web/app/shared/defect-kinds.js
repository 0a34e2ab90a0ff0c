// The coverage defects by kind, as the coverage view and the planner both draw and name them.

/** Drawing per kind: colour, Chinese label, how it is drawn. */
export const KINDS = {
  blind_spot: { color: '#d7191c', label: '盲区', draw: 'area' },
  sliver: { color: '#ff7f00', label: '缝隙', draw: 'area' },
  overlap: { color: '#7b3294', label: '重叠', draw: 'area' },
  outside_parent: { color: '#a6611a', label: '越界', draw: 'area' },
  grid_noncontiguous: { color: '#4d4d4d', label: '网格不连续', draw: 'area' },
  grid_unstaffed: { color: '#c51b7d', label: '网格无网格员', draw: 'outline' },
  grid_overloaded: { color: '#b2182b', label: '网格户数过多', draw: 'outline' },
  grid_underloaded: { color: '#2166ac', label: '网格户数过少', draw: 'outline' },
  household_uncovered: { color: '#d7191c', label: '住户未入格', draw: 'point' },
  household_mismatch: { color: '#ff7f00', label: '住户归属不符', draw: 'point' },
  household_split: { color: '#e6ab02', label: '住户跨网格', draw: 'point' },
  unit_split: { color: '#8c510a', label: '巷道/楼栋跨网格', draw: 'outline' },
  unit_orphan: { color: '#d7191c', label: '巷道/楼栋不在网格内', draw: 'outline' },
  unit_mismatch: { color: '#ff7f00', label: '巷道/楼栋归属不符', draw: 'outline' },
  invalid_geometry: { color: '#000000', label: '几何无效', draw: 'point' },
};
