// Chinese names for properties and coded values, for the feature panel (the
// layers' names are in shared/layers.js). A property with no entry is shown
// under its raw key, so new properties from the server still appear.

const COMMON = {
  code: '编码',
  name: '名称',
  county_code: '所属县',
  town_code: '所属镇/街道',
  community_code: '所属社区',
  grid_code: '登记网格',
  unit_code: '登记巷道/楼栋',
  village_code: '原行政村',
  merged_into: '并入社区',
  kind: '类型',
  manager: '网格员',
  manager_phone: '电话',
  target_households: '目标户数',
  leader: '组长',
  head: '巷长/楼长',
  head_phone: '电话',
  secretary: '书记',
  secretary_phone: '书记电话',
  address: '地址',
  members: '人口',
  phone: '电话',
  tags: '标签',
  households: '户数',
};

/** Where one key means something else in one layer. */
const BY_LAYER = {
  villages: { town_code: '原所属镇' },
  households: { head: '户主' },
};

const VALUES = {
  kind: { urban: '城镇社区', rural: '农村社区', lane: '巷道', building: '楼栋' },
  tags: { elderly_alone: '独居老人', disabled: '残疾人', low_income: '低保户', veteran: '退役军人', left_behind_child: '留守儿童' },
};

/** Keys shown first, in this order; the rest follow as the server sent them. */
const ORDER = ['name', 'code', 'kind', 'head', 'head_phone', 'manager', 'manager_phone', 'leader', 'secretary', 'secretary_phone', 'address', 'phone', 'members', 'tags', 'target_households'];

/** Keys holding a code of another layer, so the panel can name it. */
export const PARENT_LAYER = {
  county_code: 'county',
  town_code: 'towns',
  community_code: 'communities',
  grid_code: 'grids',
  unit_code: 'units',
  village_code: 'villages',
  merged_into: 'communities',
};

export function fieldName(layer, key) {
  return BY_LAYER[layer]?.[key] ?? COMMON[key] ?? key;
}

export function isPhoneKey(key) {
  return key === 'phone' || key.endsWith('_phone');
}

/** Properties worth showing, ordered; keys starting with "_" are the page's own. */
export function orderedKeys(properties) {
  const keys = Object.keys(properties).filter((k) => !k.startsWith('_'));
  const first = ORDER.filter((k) => keys.includes(k));
  return [...first, ...keys.filter((k) => !first.includes(k))];
}

/** A value as text: coded values in Chinese, arrays joined, empty as a dash. */
export function formatValue(key, value) {
  if (value === null || value === undefined || value === '') return '—';
  let v = value;
  // Nested values may arrive JSON-encoded (as MapLibre returns them).
  if (typeof v === 'string' && /^\s*[[{]/.test(v)) {
    try {
      v = JSON.parse(v);
    } catch {
      /* keep the string */
    }
  }
  const names = VALUES[key];
  if (Array.isArray(v)) return v.length ? v.map((x) => names?.[x] ?? String(x)).join('、') : '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return names?.[v] ?? String(v);
}
