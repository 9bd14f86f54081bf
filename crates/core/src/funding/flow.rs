//! Exact integer maximum flow (Dinic), with the one operation the funding rule needs: fund
//! demands one at a time in a given order, keeping every demand already met full.
//!
//! Capacities are `i64` minor units; every sum is checked. Arcs are kept in insertion order, so
//! the same network built the same way always yields the same flow. A network larger than
//! [`MAX_NODES`] or [`MAX_EDGES`] is refused before any work is done.

/// The most nodes a network may have.
pub const MAX_NODES: usize = 200_000;

/// The most edges a network may have (each edge is two arcs: forward and residual).
pub const MAX_EDGES: usize = 4_000_000;

const UNREACHED: u32 = u32::MAX;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    #[error("the funding network is too large: {count} {what}, at most {limit} allowed")]
    TooLarge { what: &'static str, count: usize, limit: usize },
    #[error("amount overflow in the funding network ({0})")]
    Overflow(&'static str),
    #[error("the funding network is inconsistent: {0}")]
    Internal(&'static str),
}

/// A node of a [`Network`].
pub type NodeId = usize;

/// An edge of a [`Network`], as returned by [`Network::add_edge`].
pub type EdgeId = usize;

#[derive(Debug, Clone, Copy)]
struct Arc {
    to: u32,
    /// What may still be pushed along this arc.
    residual: i64,
}

/// A flow network. Edge `e` is arc `2e` (forward) and arc `2e + 1` (its residual twin).
#[derive(Debug, Clone, Default)]
pub struct Network {
    arcs: Vec<Arc>,
    capacity: Vec<i64>,
    adjacency: Vec<Vec<u32>>,
    level: Vec<u32>,
    cursor: Vec<usize>,
    queue: Vec<u32>,
    path: Vec<usize>,
}

fn internal(what: &'static str) -> FlowError {
    FlowError::Internal(what)
}

impl Network {
    pub fn new() -> Network {
        Network::default()
    }

    pub fn nodes(&self) -> usize {
        self.adjacency.len()
    }

    pub fn edges(&self) -> usize {
        self.capacity.len()
    }

    pub fn add_node(&mut self) -> Result<NodeId, FlowError> {
        let count = self.adjacency.len();
        if count >= MAX_NODES {
            return Err(FlowError::TooLarge { what: "nodes", count: count.saturating_add(1), limit: MAX_NODES });
        }
        self.adjacency.push(Vec::new());
        Ok(count)
    }

    /// Adds an edge `from → to` that carries at most `capacity` (not negative).
    pub fn add_edge(&mut self, from: NodeId, to: NodeId, capacity: i64) -> Result<EdgeId, FlowError> {
        let count = self.capacity.len();
        if count >= MAX_EDGES {
            return Err(FlowError::TooLarge { what: "edges", count: count.saturating_add(1), limit: MAX_EDGES });
        }
        if capacity < 0 {
            return Err(internal("a negative capacity"));
        }
        if from >= self.adjacency.len() || to >= self.adjacency.len() {
            return Err(internal("an edge between unknown nodes"));
        }
        let (from_id, to_id) = (node_u32(from)?, node_u32(to)?);
        let forward = self.arcs.len();
        let backward = forward.checked_add(1).ok_or(internal("arc count"))?;
        let (forward_u32, backward_u32) = (arc_u32(forward)?, arc_u32(backward)?);
        self.adjacency.get_mut(from).ok_or(internal("an edge from an unknown node"))?.push(forward_u32);
        self.adjacency.get_mut(to).ok_or(internal("an edge to an unknown node"))?.push(backward_u32);
        self.arcs.push(Arc { to: to_id, residual: capacity });
        self.arcs.push(Arc { to: from_id, residual: 0 });
        self.capacity.push(capacity);
        Ok(count)
    }

    /// What edge `edge` carries now.
    pub fn flow(&self, edge: EdgeId) -> Result<i64, FlowError> {
        let capacity = *self.capacity.get(edge).ok_or(internal("an unknown edge"))?;
        let residual = self.arc(forward_arc(edge)?)?.residual;
        capacity.checked_sub(residual).ok_or(FlowError::Overflow("an edge's flow"))
    }

    /// The edge's end nodes and capacity, for a reader that rebuilds the network (an LP).
    pub fn edge(&self, edge: EdgeId) -> Result<(NodeId, NodeId, i64), FlowError> {
        let capacity = *self.capacity.get(edge).ok_or(internal("an unknown edge"))?;
        let forward = self.arc(forward_arc(edge)?)?;
        let backward = self.arc(forward_arc(edge)?.checked_add(1).ok_or(internal("arc count"))?)?;
        Ok((backward.to as usize, forward.to as usize, capacity))
    }

    fn arc(&self, arc: usize) -> Result<&Arc, FlowError> {
        self.arcs.get(arc).ok_or(internal("an unknown arc"))
    }

    /// Pushes `amount` along arc `arc` (and takes it off its twin).
    fn push(&mut self, arc: usize, amount: i64) -> Result<(), FlowError> {
        let overflow = FlowError::Overflow("a residual capacity");
        let forward = self.arcs.get_mut(arc).ok_or(internal("an unknown arc"))?;
        forward.residual = forward.residual.checked_sub(amount).ok_or(overflow.clone())?;
        if forward.residual < 0 {
            return Err(internal("a push beyond an arc's residual capacity"));
        }
        let twin = self.arcs.get_mut(arc ^ 1).ok_or(internal("an unknown arc"))?;
        twin.residual = twin.residual.checked_add(amount).ok_or(overflow)?;
        Ok(())
    }

    /// Pushes `amount` along edge `edge` alone (its capacity must allow it).
    pub fn push_edge(&mut self, edge: EdgeId, amount: i64) -> Result<(), FlowError> {
        self.push(forward_arc(edge)?, amount)
    }

    /// Sends as much as possible, at most `limit`, from `source` to `target` through the residual
    /// network, never through `blocked`. Returns what was sent.
    pub fn max_flow(
        &mut self,
        source: NodeId,
        target: NodeId,
        limit: i64,
        blocked: Option<NodeId>,
    ) -> Result<i64, FlowError> {
        let mut total: i64 = 0;
        while total < limit && self.levels(source, target, blocked)? {
            self.cursor.clear();
            self.cursor.resize(self.adjacency.len(), 0);
            loop {
                let left = limit.checked_sub(total).ok_or(FlowError::Overflow("a flow limit"))?;
                let pushed = self.augment_one(source, target, left)?;
                total = total.checked_add(pushed).ok_or(FlowError::Overflow("a flow total"))?;
                if pushed == 0 || total >= limit {
                    break;
                }
            }
        }
        Ok(total)
    }

    /// Breadth-first levels from `source`; whether `target` is reachable. Nodes no closer than
    /// `target` are not expanded: no shortest path passes through them.
    fn levels(&mut self, source: NodeId, target: NodeId, blocked: Option<NodeId>) -> Result<bool, FlowError> {
        self.level.clear();
        self.level.resize(self.adjacency.len(), UNREACHED);
        *self.level.get_mut(source).ok_or(internal("an unknown source"))? = 0;
        self.queue.clear();
        self.queue.push(node_u32(source)?);
        let mut head = 0;
        let mut target_level = UNREACHED;
        while let Some(&node) = self.queue.get(head) {
            head = head.saturating_add(1);
            let node = node as usize;
            let level = *self.level.get(node).ok_or(internal("an unknown node"))?;
            if level >= target_level {
                continue;
            }
            let next = level.checked_add(1).ok_or(internal("a level beyond u32"))?;
            for &arc in self.adjacency.get(node).ok_or(internal("an unknown node"))? {
                let arc = self.arcs.get(arc as usize).ok_or(internal("an unknown arc"))?;
                let to = arc.to as usize;
                if arc.residual <= 0 || Some(to) == blocked {
                    continue;
                }
                let slot = self.level.get_mut(to).ok_or(internal("an unknown node"))?;
                if *slot == UNREACHED {
                    *slot = next;
                    self.queue.push(arc.to);
                    if to == target {
                        target_level = next;
                    }
                }
            }
        }
        Ok(target_level != UNREACHED)
    }

    /// The next admissible arc out of `node` from its cursor on (the cursor stays on it).
    fn next_arc(&mut self, node: NodeId) -> Result<Option<usize>, FlowError> {
        let level = *self.level.get(node).ok_or(internal("an unknown node"))?;
        let arcs = self.adjacency.get(node).ok_or(internal("an unknown node"))?;
        let cursor = self.cursor.get_mut(node).ok_or(internal("an unknown node"))?;
        while let Some(&arc) = arcs.get(*cursor) {
            let found = self.arcs.get(arc as usize).ok_or(internal("an unknown arc"))?;
            let to_level = *self.level.get(found.to as usize).ok_or(internal("an unknown node"))?;
            if found.residual > 0 && to_level != UNREACHED && Some(to_level) == level.checked_add(1) {
                return Ok(Some(arc as usize));
            }
            *cursor = cursor.saturating_add(1);
        }
        Ok(None)
    }

    /// Finds one shortest augmenting path in the level graph and pushes its bottleneck (at most
    /// `limit`); 0 when there is none left in this phase.
    fn augment_one(&mut self, source: NodeId, target: NodeId, limit: i64) -> Result<i64, FlowError> {
        self.path.clear();
        let mut node = source;
        loop {
            if node == target {
                let mut amount = limit;
                for &arc in &self.path {
                    amount = amount.min(self.arc(arc)?.residual);
                }
                for index in 0..self.path.len() {
                    let arc = *self.path.get(index).ok_or(internal("a path index"))?;
                    self.push(arc, amount)?;
                }
                return Ok(amount);
            }
            match self.next_arc(node)? {
                Some(arc) => {
                    self.path.push(arc);
                    node = self.arc(arc)?.to as usize;
                }
                None => {
                    // A dead end: no path to the target goes through `node` in this phase.
                    *self.level.get_mut(node).ok_or(internal("an unknown node"))? = UNREACHED;
                    let Some(arc) = self.path.pop() else { return Ok(0) };
                    node = self.arc(arc ^ 1)?.to as usize;
                    let cursor = self.cursor.get_mut(node).ok_or(internal("an unknown node"))?;
                    *cursor = cursor.saturating_add(1);
                }
            }
        }
    }
}

fn forward_arc(edge: EdgeId) -> Result<usize, FlowError> {
    edge.checked_mul(2).ok_or(internal("an unknown edge"))
}

fn node_u32(node: NodeId) -> Result<u32, FlowError> {
    u32::try_from(node).map_err(|_| internal("a node beyond u32"))
}

fn arc_u32(arc: usize) -> Result<u32, FlowError> {
    u32::try_from(arc).map_err(|_| internal("an arc beyond u32"))
}

/// A demand to be met in full or not at all: `need` into `node`, whose edge to the sink is
/// `sink_edge` (capacity `need`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Demand {
    pub node: NodeId,
    pub sink_edge: EdgeId,
    pub need: i64,
}

/// Which demands were met in full, and the one met in part (its index and amount).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lexicographic {
    pub met: Vec<bool>,
    pub partial: Option<(usize, i64)>,
}

/// Meets `demands` in order, lexicographically: each demand is met in full if it can be while
/// every demand met before it stays full; then the first demand not met gets the most it can,
/// the others keeping theirs.
///
/// Augmenting paths toward a demand's node never pass through `sink`, so they reroute but never
/// reduce the flow into demands already met. A demand that cannot be met in full has its
/// partial flow pushed back from its node to `source` in the residual network.
pub fn meet_in_order(
    network: &mut Network,
    source: NodeId,
    sink: NodeId,
    demands: &[Demand],
) -> Result<Lexicographic, FlowError> {
    let mut met = Vec::with_capacity(demands.len());
    for demand in demands {
        if demand.need <= 0 {
            met.push(true);
            continue;
        }
        let sent = network.max_flow(source, demand.node, demand.need, Some(sink))?;
        if sent == demand.need {
            network.push_edge(demand.sink_edge, sent)?;
            met.push(true);
            continue;
        }
        let returned = network.max_flow(demand.node, source, sent, Some(sink))?;
        if returned != sent {
            return Err(internal("a partial flow could not be pushed back"));
        }
        met.push(false);
    }
    let first_unmet = met.iter().position(|m| !m);
    let partial = match first_unmet.and_then(|index| Some((index, demands.get(index)?))) {
        Some((index, demand)) => {
            let sent = network.max_flow(source, demand.node, demand.need, Some(sink))?;
            network.push_edge(demand.sink_edge, sent)?;
            Some((index, sent))
        }
        None => None,
    };
    Ok(Lexicographic { met, partial })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The classic example: max flow 23.
    #[test]
    fn textbook_max_flow() {
        let mut network = Network::new();
        let n: Vec<NodeId> = (0..6).map(|_| network.add_node().unwrap()).collect();
        for (from, to, capacity) in [
            (0, 1, 16),
            (0, 2, 13),
            (1, 2, 10),
            (2, 1, 4),
            (1, 3, 12),
            (3, 2, 9),
            (2, 4, 14),
            (4, 3, 7),
            (3, 5, 20),
            (4, 5, 4),
        ] {
            network.add_edge(n[from], n[to], capacity).unwrap();
        }
        assert_eq!(network.max_flow(n[0], n[5], i64::MAX, None).unwrap(), 23);
        assert_eq!(network.max_flow(n[0], n[5], i64::MAX, None).unwrap(), 0);
    }

    #[test]
    fn a_limit_stops_the_flow() {
        let mut network = Network::new();
        let (s, t) = (network.add_node().unwrap(), network.add_node().unwrap());
        let edge = network.add_edge(s, t, 10).unwrap();
        assert_eq!(network.max_flow(s, t, 4, None).unwrap(), 4);
        assert_eq!(network.flow(edge).unwrap(), 4);
    }

    /// Two demands share one supply of 10 with needs 6 and 7: the first is met, the second gets
    /// the 4 left; with the order reversed, the 7 is met and the 6 gets 3.
    #[test]
    fn meets_demands_in_order_and_gives_the_rest_to_the_first_unmet() {
        for (needs, expect) in
            [([6, 7], (vec![true, false], Some((1, 4)))), ([7, 6], (vec![true, false], Some((1, 3))))]
        {
            let mut network = Network::new();
            let (s, t, pool) = (network.add_node().unwrap(), network.add_node().unwrap(), network.add_node().unwrap());
            network.add_edge(s, pool, 10).unwrap();
            let demands: Vec<Demand> = needs
                .iter()
                .map(|need| {
                    let node = network.add_node().unwrap();
                    network.add_edge(pool, node, *need).unwrap();
                    Demand { node, sink_edge: network.add_edge(node, t, *need).unwrap(), need: *need }
                })
                .collect();
            let outcome = meet_in_order(&mut network, s, t, &demands).unwrap();
            assert_eq!((outcome.met, outcome.partial), expect);
        }
    }

    /// A later demand is met by rerouting an earlier one's flow, never by reducing it.
    #[test]
    fn reroutes_without_reducing_what_is_met() {
        // a (5) may fund x or y; b (5) only x. x needs 5, y needs 5: both are met when a
        // moves to y.
        let mut network = Network::new();
        let (s, t) = (network.add_node().unwrap(), network.add_node().unwrap());
        let (a, b, x, y) = (
            network.add_node().unwrap(),
            network.add_node().unwrap(),
            network.add_node().unwrap(),
            network.add_node().unwrap(),
        );
        network.add_edge(s, a, 5).unwrap();
        network.add_edge(s, b, 5).unwrap();
        network.add_edge(a, x, 5).unwrap();
        network.add_edge(a, y, 5).unwrap();
        network.add_edge(b, x, 5).unwrap();
        let demands = [
            Demand { node: x, sink_edge: network.add_edge(x, t, 5).unwrap(), need: 5 },
            Demand { node: y, sink_edge: network.add_edge(y, t, 5).unwrap(), need: 5 },
        ];
        let outcome = meet_in_order(&mut network, s, t, &demands).unwrap();
        assert_eq!(outcome.met, vec![true, true]);
        assert_eq!(outcome.partial, None);
    }

    #[test]
    fn bad_edges_are_errors() {
        let mut network = Network::new();
        let s = network.add_node().unwrap();
        assert_eq!(network.add_edge(s, 7, 1), Err(FlowError::Internal("an edge between unknown nodes")));
        assert!(matches!(network.add_edge(s, s, -1), Err(FlowError::Internal(_))));
    }
}
