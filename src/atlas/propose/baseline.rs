//! The two baselines the method is measured against: k-means on unit centroids with contiguity repair, and
//! recursive spanning-tree bisection (a random spanning tree cut at the edge that best splits the households).
//! Both work on one connected component, as the method does.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::graph::Graph;

/// Weighted k-means (Lloyd, 30 rounds) on territory centroids over `nodes`, parts `base + 0..k`, then repaired:
/// every piece of a part but its heaviest goes to the neighbouring part it shares the longest boundary with.
pub fn kmeans(g: &Graph, nodes: &[u32], k: usize, base: u32, of: &mut [u32], rng: &mut ChaCha8Rng) {
    let k = k.min(nodes.len()).max(1);
    let mut centres: Vec<geo::Coord<f64>> = Vec::with_capacity(k);
    centres.push(g.centroid_m[nodes[rng.gen_range(0..nodes.len())] as usize]);
    while centres.len() < k {
        let far = nodes
            .iter()
            .map(|&v| g.centroid_m[v as usize])
            .max_by(|a, b| nearest(&centres, *a).1.total_cmp(&nearest(&centres, *b).1))
            .expect("nodes");
        centres.push(far);
    }
    for _ in 0..30 {
        for &v in nodes {
            of[v as usize] = base + nearest(&centres, g.centroid_m[v as usize]).0 as u32;
        }
        let mut sum = vec![(geo::Coord::default(), 0.0); k];
        for &v in nodes {
            let w = g.weight[v as usize] + 1e-3;
            let s = &mut sum[(of[v as usize] - base) as usize];
            s.0 = s.0 + g.centroid_m[v as usize] * w;
            s.1 += w;
        }
        for (c, s) in centres.iter_mut().zip(sum) {
            if s.1 > 0.0 {
                *c = s.0 / s.1;
            }
        }
    }
    repair(g, nodes, of);
}

fn nearest(centres: &[geo::Coord<f64>], p: geo::Coord<f64>) -> (usize, f64) {
    centres.iter().enumerate().map(|(i, c)| (i, (c.x - p.x).powi(2) + (c.y - p.y).powi(2))).fold((0, f64::INFINITY), |b, x| if x.1 < b.1 { x } else { b })
}

/// Makes every part over `nodes` one piece: pieces other than a part's heaviest join a neighbouring part.
pub fn repair(g: &Graph, nodes: &[u32], of: &mut [u32]) {
    loop {
        let mut changed = false;
        let mut parts: Vec<u32> = nodes.iter().map(|&v| of[v as usize]).collect();
        parts.sort_unstable();
        parts.dedup();
        for q in parts {
            let members: Vec<u32> = nodes.iter().copied().filter(|&v| of[v as usize] == q).collect();
            let pieces = pieces_of(g, &members, of, q);
            if pieces.len() <= 1 {
                continue;
            }
            let heaviest = (0..pieces.len())
                .max_by(|&a, &b| weight(g, &pieces[a]).total_cmp(&weight(g, &pieces[b])).then(b.cmp(&a)))
                .expect("pieces");
            for (i, piece) in pieces.iter().enumerate() {
                if i == heaviest {
                    continue;
                }
                let mut shared: std::collections::BTreeMap<u32, f64> = Default::default();
                for &v in piece {
                    for &(m, l) in &g.adj[v as usize] {
                        if of[m as usize] != q {
                            *shared.entry(of[m as usize]).or_default() += l;
                        }
                    }
                }
                if let Some((&to, _)) = shared.iter().max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0))) {
                    for &v in piece {
                        of[v as usize] = to;
                    }
                    changed = true;
                }
            }
        }
        if !changed {
            return;
        }
    }
}

fn weight(g: &Graph, nodes: &[u32]) -> f64 {
    nodes.iter().map(|&v| g.weight[v as usize]).sum()
}

/// The connected pieces of part `q` (its `members`).
pub fn pieces_of(g: &Graph, members: &[u32], of: &[u32], q: u32) -> Vec<Vec<u32>> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for &s in members {
        if !seen.insert(s) {
            continue;
        }
        let mut piece = vec![s];
        let mut k = 0;
        while k < piece.len() {
            for &(m, _) in &g.adj[piece[k] as usize] {
                if of[m as usize] == q && seen.insert(m) {
                    piece.push(m);
                }
            }
            k += 1;
        }
        out.push(piece);
    }
    out
}

/// Recursive spanning-tree bisection of `nodes` (connected) into `k` parts `base + 0..k`.
pub fn bisect(g: &Graph, nodes: &[u32], k: usize, base: u32, of: &mut [u32], rng: &mut ChaCha8Rng) {
    if k <= 1 || nodes.len() <= 1 {
        for &v in nodes {
            of[v as usize] = base;
        }
        return;
    }
    let k1 = k / 2;
    let total = weight(g, nodes);
    let goal = total * k1 as f64 / k as f64;
    let (mut best_side, mut best_err) = (Vec::new(), f64::INFINITY);
    for _ in 0..8 {
        let (parent, order) = spanning_tree(g, nodes, rng);
        // Subtree weights, leaves first.
        let mut sub: std::collections::BTreeMap<u32, f64> = nodes.iter().map(|&v| (v, g.weight[v as usize])).collect();
        for &v in order.iter().rev() {
            if let Some(&p) = parent.get(&v) {
                let w = sub[&v];
                *sub.get_mut(&p).expect("parent") += w;
            }
        }
        let children = children_of(&parent);
        for &v in &order {
            if parent.contains_key(&v) && (sub[&v] - goal).abs() < best_err {
                best_err = (sub[&v] - goal).abs();
                // The subtree under v.
                let mut side = vec![v];
                let mut i = 0;
                while i < side.len() {
                    if let Some(c) = children.get(&side[i]) {
                        side.extend(c);
                    }
                    i += 1;
                }
                best_side = side;
            }
        }
    }
    let side: std::collections::BTreeSet<u32> = best_side.into_iter().collect();
    let a: Vec<u32> = nodes.iter().copied().filter(|v| side.contains(v)).collect();
    let b: Vec<u32> = nodes.iter().copied().filter(|v| !side.contains(v)).collect();
    if a.is_empty() || b.is_empty() {
        return bisect(g, nodes, 1, base, of, rng);
    }
    bisect(g, &a, k1, base, of, rng);
    bisect(g, &b, k - k1, base + k1 as u32, of, rng);
}

fn children_of(parent: &std::collections::BTreeMap<u32, u32>) -> std::collections::BTreeMap<u32, Vec<u32>> {
    let mut out: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
    for (&c, &p) in parent {
        out.entry(p).or_default().push(c);
    }
    out
}

/// A random spanning tree of `nodes` (Kruskal on random edge weights): each node's parent and a root-first order.
fn spanning_tree(g: &Graph, nodes: &[u32], rng: &mut ChaCha8Rng) -> (std::collections::BTreeMap<u32, u32>, Vec<u32>) {
    let inside: std::collections::BTreeSet<u32> = nodes.iter().copied().collect();
    let mut edges: Vec<(u64, u32, u32)> = Vec::new();
    for &v in nodes {
        for &(m, _) in &g.adj[v as usize] {
            if v < m && inside.contains(&m) {
                edges.push((rng.r#gen(), v, m));
            }
        }
    }
    edges.sort_unstable();
    let mut root: std::collections::BTreeMap<u32, u32> = nodes.iter().map(|&v| (v, v)).collect();
    fn find(root: &mut std::collections::BTreeMap<u32, u32>, v: u32) -> u32 {
        let mut r = v;
        while root[&r] != r {
            r = root[&r];
        }
        root.insert(v, r);
        r
    }
    let mut tree: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
    for (_, a, b) in edges {
        let (ra, rb) = (find(&mut root, a), find(&mut root, b));
        if ra != rb {
            root.insert(ra, rb);
            tree.entry(a).or_default().push(b);
            tree.entry(b).or_default().push(a);
        }
    }
    let mut parent = std::collections::BTreeMap::new();
    let mut order = vec![nodes[0]];
    let mut seen = std::collections::BTreeSet::from([nodes[0]]);
    let mut i = 0;
    while i < order.len() {
        let v = order[i];
        for &m in tree.get(&v).map_or(&[][..], |x| &x[..]) {
            if seen.insert(m) {
                parent.insert(m, v);
                order.push(m);
            }
        }
        i += 1;
    }
    (parent, order)
}
